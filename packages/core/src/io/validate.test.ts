import { describe, expect, it } from 'vitest';
import type { Structure } from '../base/structure.ts';
import { validateStructure } from './validate.ts';
import { structureErrorOf } from './structure-error-of.ts';

const cube = (a: number): Structure['lattice'] => ({ matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]] });

describe('validateStructure', () => {
  it('accepts an ordinary structure', () => {
    expect(() => validateStructure({ lattice: cube(4), species: ['Na', 'Cl'], fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]] }, 'poscar')).not.toThrow();
  });

  it('refuses a left-handed lattice and says which swap makes it right-handed', () => {
    const s: Structure = {
      lattice: { matrix: [[4, 0, 0], [0, 0, 4], [0, 4, 0]] },
      species: ['Na', 'Cl'],
      fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]],
    };
    const e = structureErrorOf(() => validateStructure(s, 'poscar'));
    expect(e.message).toMatch(/^POSCAR: the lattice is left-handed \(a·\(b×c\) = -64 Å³ < 0\): swap b and c to make it right-handed/);
    // Following the advice gives a valid cell.
    const fixed: Structure = { ...s, lattice: { matrix: [s.lattice.matrix[0], s.lattice.matrix[2], s.lattice.matrix[1]] } };
    expect(() => validateStructure(fixed, 'poscar')).not.toThrow();
  });

  it('refuses a singular lattice', () => {
    const s: Structure = { lattice: { matrix: [[4, 0, 0], [0, 4, 0], [4, 4, 0]] }, species: ['Si'], fracCoords: [[0, 0, 0]] };
    expect(() => validateStructure(s, 'json')).toThrow(/^JSON: the lattice is singular/);
  });

  it('names both sites and the distance of overlapping atoms, across the cell boundary too', () => {
    const s: Structure = { lattice: cube(4), species: ['Na', 'Cl', 'Cl'], fracCoords: [[0.01, 0, 0], [0.5, 0.5, 0.5], [0.99, 0, 0]], labels: ['Na1', 'Cl1', 'Cl2'] };
    const e = structureErrorOf(() => validateStructure(s, 'cif'));
    expect(e.message).toBe('CIF: site 1 (Na1) and site 3 (Cl2) are 0.08 Å apart, closer than 0.5 Å: overlapping atoms');
    expect(e.site).toBe(1);
  });

  it('refuses a cell so small an atom meets its own image', () => {
    const s: Structure = { lattice: { matrix: [[0.4, 0, 0], [0, 4, 0], [0, 0, 4]] }, species: ['H'], fracCoords: [[0, 0, 0]] };
    expect(() => validateStructure(s, 'poscar')).toThrow(/POSCAR: lattice vector a is 0\.400 Å long, shorter than 0\.5 Å: every atom would overlap its own periodic image/);
  });

  it('refuses a lattice vector longer than 10,000 Å, the sign of a wrong scale factor or unit', () => {
    const s: Structure = { lattice: { matrix: [[4, 0, 0], [0, 4, 0], [0, 0, 3e76]] }, species: ['H'], fracCoords: [[0, 0, 0]] };
    expect(() => validateStructure(s, 'poscar')).toThrow('POSCAR: lattice vector c is 3.00e+76 Å long, more than 10000 Å: lattice vectors must be in Å');
  });

  it('refuses a cell whose vectors are long but combine into a period under 0.5 Å, and answers at once', () => {
    // a and b differ by 0.3 Å: every atom sits 0.3 Å from an image, though no vector is short.
    const s: Structure = { lattice: { matrix: [[40, 0, 0], [40, 0.3, 0], [0, 0, 4]] }, species: ['H'], fracCoords: [[0, 0, 0]] };
    expect(() => validateStructure(s, 'json')).toThrow(/JSON: the cell has a period of 0\.300 Å/);
  });

  it('finds overlapping atoms in a strongly skewed cell without enumerating its images one by one', () => {
    // The same 4 Å cube written with b = b' + 1000 a: two atoms 0.3 Å apart across the skew.
    const s: Structure = { lattice: { matrix: [[4, 0, 0], [4000, 4, 0], [0, 0, 4]] }, species: ['H', 'H'], fracCoords: [[0.1, 0, 0], [0.025, 0, 0]] };
    expect(() => validateStructure(s, 'json')).toThrow(/site 1 \(H\) and JSON site 2 \(H\) are 0\.3 Å apart|site 1 \(H\) and site 2 \(H\) are 0\.3 Å apart/);
  });

  it('refuses unknown elements, mismatched arrays, non-finite numbers and empty structures', () => {
    expect(() => validateStructure({ lattice: cube(4), species: ['Na', 'Xx'], fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]] }, 'json')).toThrow("JSON site 2 (Xx): unknown element 'Xx'");
    expect(() => validateStructure({ lattice: cube(4), species: ['Na'], fracCoords: [] })).toThrow(/1 species but 0 coordinates/);
    expect(() => validateStructure({ lattice: cube(4), species: ['Na'], fracCoords: [[0, NaN, 0]] })).toThrow(/site 1 \(Na\): coordinates must be three finite numbers/);
    expect(() => validateStructure({ lattice: cube(4), species: [], fracCoords: [] })).toThrow(/no atoms/);
  });
});
