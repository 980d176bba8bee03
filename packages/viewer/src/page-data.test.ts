import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, readStructure, type DefectAnswer } from '@defect-candidates/core';
import { drawablePoscar, pageAnswer } from './page-data.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/structures');
const run = (file: string, output_formats: DefectAnswer['parameters']['output_formats']) =>
  generate({ content: readFileSync(join(FIXTURES, file), 'utf8'), filename: file }, { defect_types: ['vacancy', 'interstitial'], max_candidates: 6, output_formats });

/** Species and Cartesian positions (Å), sorted: what a drawing shows, whatever the order or format. */
function drawn(poscar: string): string[] {
  const s = readStructure(poscar, { format: 'poscar' }).structure;
  const L = s.lattice.matrix;
  const cart = (f: number[]) => [0, 1, 2].map((j) => (f[0] * L[0][j] + f[1] * L[1][j] + f[2] * L[2][j]).toFixed(4).replace(/^-(0\.0+)$/, '$1'));
  return s.species.map((e, i) => `${e} ${cart(s.fracCoords[i]).join(',')}`).sort();
}

describe('pageAnswer', () => {
  it('keeps the host, supercell and every candidate’s fields, and one POSCAR instead of all the formats', () => {
    const answer = run('GaN.vasp', ['poscar', 'cif', 'pymatgen', 'extxyz']);
    const page = pageAnswer(answer);
    expect(page.host).toEqual(answer.host);
    expect(page.supercell).toEqual(answer.supercell);
    expect(page.candidates.map((c) => c.name)).toEqual(answer.candidates.map((c) => c.name));
    page.candidates.forEach((c, i) => {
      const { structures, ...fields } = answer.candidates[i];
      expect(c).toEqual({ ...fields, poscar: structures.poscar });
      expect(c).not.toHaveProperty('structures');
    });
    expect(JSON.stringify(page).length).toBeLessThan(JSON.stringify(answer).length / 3);
  });

  it('draws an answer that has no POSCAR from any other format, the same atoms at the same places (CIF too, which keeps no frame)', () => {
    const withPoscar = run('GaN.vasp', ['poscar']);
    for (const format of ['cif', 'pymatgen', 'extxyz'] as const) {
      const other = pageAnswer(run('GaN.vasp', [format]));
      other.candidates.forEach((c, i) => {
        expect(c.poscar, `${format} ${c.name}`).not.toBeNull();
        expect(drawn(c.poscar!), `${format} ${c.name}`).toEqual(drawn(withPoscar.candidates[i].structures.poscar!));
      });
    }
  });

  it('has nothing to draw when the answer carries no structure', () => {
    expect(drawablePoscar({}, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeNull();
    expect(drawablePoscar(undefined, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeNull();
  });
});
