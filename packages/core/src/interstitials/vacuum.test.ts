import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Structure } from '../base/structure.ts';
import { readStructure } from '../io/read.ts';
import { findVacuum, inVacuum } from './vacuum.ts';

const STRUCTURES = new URL('../../../../fixtures/structures/', import.meta.url);

describe('findVacuum', () => {
  it('finds no vacuum in any bulk fixture', () => {
    for (const file of readdirSync(STRUCTURES)) {
      const { structure } = readStructure(readFileSync(new URL(file, STRUCTURES), 'utf8'), { filename: file });
      expect(findVacuum(structure), file).toEqual([]);
    }
  });

  it('measures a slab’s vacuum between its outer atomic planes, across the cell boundary', () => {
    // Planes at z = 10, 12 and 14 Å of a 30 Å cell: 26 Å of vacuum from z = 14 round to z = 10 + 30.
    const slab: Structure = {
      lattice: { matrix: [[3, 0, 0], [0, 3, 0], [0, 0, 30]] },
      species: ['Cu', 'Cu', 'Cu'],
      fracCoords: [[0, 0, 10 / 30], [0.5, 0.5, 12 / 30], [0, 0, 14 / 30]],
    };
    const [region] = findVacuum(slab);
    expect(region.axis).toBe(2);
    expect(region.thickness).toBeCloseTo(26, 9);
    expect(inVacuum(region, [0, 0, 0.5])).toBe(true); // 15 Å: above the slab
    expect(inVacuum(region, [0, 0, 0.05])).toBe(true); // 1.5 Å: below it, through the boundary
    expect(inVacuum(region, [0.5, 0.5, 11 / 30])).toBe(false); // inside
    expect(inVacuum(region, [0.5, 0.5, 14 / 30])).toBe(false); // in the outermost plane
  });

  it('measures the vacuum perpendicular to the planes in a tilted cell', () => {
    // c leans 5 Å along x but rises 20 Å: lattice planes along c are 20 Å apart; the atoms span 0.1 of it.
    const slab: Structure = {
      lattice: { matrix: [[3, 0, 0], [0, 3, 0], [5, 0, 20]] },
      species: ['Si', 'Si'],
      fracCoords: [[0, 0, 0], [0.5, 0.5, 0.1]],
    };
    expect(findVacuum(slab)).toEqual([{ axis: 2, thickness: expect.closeTo(18, 9), start: 0.1, end: 1 }]);
  });

  it('leaves a van der Waals gap of 3 Å alone', () => {
    const graphiteLike: Structure = {
      lattice: { matrix: [[2.46, 0, 0], [-1.23, 2.13, 0], [0, 0, 6.7]] },
      species: ['C', 'C', 'C', 'C'],
      fracCoords: [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]],
    };
    expect(findVacuum(graphiteLike)).toEqual([]);
  });
});
