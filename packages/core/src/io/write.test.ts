import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { angles, lengths } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { readStructure } from './read.ts';
import { writeStructure, type OutputFormat } from './write.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const names = Object.keys(JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8')).structures);
const load = (name: string) => readStructure(readFileSync(new URL(`structures/${name}`, FIXTURES), 'utf8'), { filename: name }).structure;

const TOL = 1e-6;
/** Difference of fractional coordinates up to a lattice translation. */
const periodicDelta = (a: Vec3, b: Vec3) => Math.max(...a.map((x, k) => Math.abs(x - b[k] - Math.round(x - b[k]))));
const maxDelta = (a: number[], b: number[]) => Math.max(...a.map((x, k) => Math.abs(x - b[k])));

/** The input's sites grouped by species in order of first appearance (what POSCAR stores). */
function grouped(s: Structure): { species: string[]; fracCoords: Vec3[] } {
  const order = [...new Set(s.species)];
  const idx = order.flatMap((el) => s.species.flatMap((x, i) => (x === el ? [i] : [])));
  return { species: idx.map((i) => s.species[i]), fracCoords: idx.map((i) => s.fracCoords[i]) };
}

function expectSameSites(actual: { species: string[]; fracCoords: Vec3[] }, expected: { species: string[]; fracCoords: Vec3[] }) {
  expect(actual.species).toEqual(expected.species);
  actual.fracCoords.forEach((p, i) => expect(periodicDelta(p, expected.fracCoords[i])).toBeLessThan(TOL));
}

const roundTrip = (s: Structure, format: OutputFormat) => readStructure(writeStructure(s, format));

describe.each(names)('round trips of %s', (name) => {
  const original = load(name);

  it('pymatgen JSON keeps the lattice matrix, the site order, labels and coordinates', () => {
    const back = roundTrip(original, 'pymatgen');
    expect(back.format).toBe('pymatgen');
    expect(maxDelta(back.structure.lattice.matrix.flat(), original.lattice.matrix.flat())).toBeLessThan(TOL);
    expectSameSites(back.structure, original);
    expect(back.structure.labels).toEqual(original.labels ?? original.species);
  });

  it('extxyz keeps the lattice matrix and the site order', () => {
    const back = roundTrip(original, 'extxyz');
    expect(back.format).toBe('extxyz');
    expect(maxDelta(back.structure.lattice.matrix.flat(), original.lattice.matrix.flat())).toBeLessThan(TOL);
    expectSameSites(back.structure, original);
  });

  it('POSCAR keeps the lattice matrix and the sites, grouped by species', () => {
    const back = roundTrip(original, 'poscar');
    expect(back.format).toBe('poscar');
    expect(maxDelta(back.structure.lattice.matrix.flat(), original.lattice.matrix.flat())).toBeLessThan(TOL);
    expectSameSites(back.structure, grouped(original));
  });

  // A CIF stores cell parameters, not the matrix: the lattice comes back in the standard orientation.
  it('CIF keeps the lattice parameters and the fractional coordinates', () => {
    const back = roundTrip(original, 'cif');
    expect(back.format).toBe('cif');
    expect(maxDelta(lengths(back.structure.lattice), lengths(original.lattice))).toBeLessThan(TOL);
    expect(maxDelta(angles(back.structure.lattice), angles(original.lattice))).toBeLessThan(TOL);
    expectSameSites(back.structure, original);
  });
});

describe('writeStructure', () => {
  it('carries oxidation states through CIF and pymatgen JSON', () => {
    const s: Structure = {
      lattice: { matrix: [[4.2, 0, 0], [0, 4.2, 0], [0, 0, 4.2]] },
      species: ['Fe', 'O', 'Fe'],
      fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0]],
      oxidationStates: [2, -2, 0],
    };
    const cif = writeStructure(s, 'cif');
    expect(cif).toContain('  Fe2+  Fe1  1');
    expect(cif).toContain('  Fe0+  Fe2  1');
    expect(readStructure(cif).structure.oxidationStates).toEqual([2, -2, 0]);
    expect(readStructure(writeStructure(s, 'pymatgen')).structure.oxidationStates).toEqual([2, -2, 0]);
  });

  it('writes a P1 CIF with the identity operation and a full atom_site loop', () => {
    const cif = writeStructure(load('CdTe.cif'), 'cif', { comment: 'CdTe host' });
    expect(cif.startsWith('# CdTe host\ndata_CdTe\n')).toBe(true);
    expect(cif).toContain("_symmetry_space_group_name_H-M   'P 1'");
    expect(cif).toContain("  1  'x, y, z'");
    expect(cif).toContain("_chemical_formula_sum   'Cd4 Te4'");
    for (const tag of ['_atom_site_type_symbol', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_occupancy']) {
      expect(cif).toContain(` ${tag}\n`);
    }
    expect(cif).toMatch(/ {2}Cd {2}Cd1 {2}1 {2}0\.0000000000 {2}0\.0000000000 {2}0\.0000000000 {2}1\n/);
  });
});
