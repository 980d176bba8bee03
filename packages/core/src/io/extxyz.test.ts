import { describe, expect, it } from 'vitest';
import { parseExtxyzInfo, readExtxyz, writeExtxyz } from './extxyz.ts';

describe('extended XYZ', () => {
  it('reads an ASE-style frame with extra columns and keys', () => {
    const text = [
      '2',
      'Lattice="4.0 0.0 0.0 0.0 4.0 0.0 0.0 0.0 4.0" Properties=species:S:1:pos:R:3:forces:R:3 energy=-3.5 pbc="T T T"',
      'Na 0.0 0.0 0.0 0.1 0.0 0.0',
      'Cl 2.0 2.0 2.0 -0.1 0.0 0.0',
    ].join('\n');
    const { structure, warnings } = readExtxyz(text);
    expect(structure.species).toEqual(['Na', 'Cl']);
    expect(structure.fracCoords[1]).toEqual([0.5, 0.5, 0.5]);
    expect(warnings).toEqual([]);
  });

  it('finds the position columns wherever Properties puts them', () => {
    const text = ['1', 'Properties=tags:I:1:species:S:1:pos:R:3 Lattice="3 0 0 0 3 0 0 0 3"', '7 Cu 1.5 0 0'].join('\n');
    expect(readExtxyz(text).structure.fracCoords).toEqual([[0.5, 0, 0]]);
  });

  it('parses quoted and bare values of the comment line', () => {
    const info = parseExtxyzInfo('Lattice="1 0 0 0 1 0 0 0 1" pbc="T T F" energy=-1.5 free');
    expect(Object.fromEntries(info)).toEqual({ lattice: '1 0 0 0 1 0 0 0 1', pbc: 'T T F', energy: '-1.5', free: 'T' });
  });

  it('names the line and the problem', () => {
    expect(() => readExtxyz('two\nLattice="1 0 0 0 1 0 0 0 1"\n')).toThrow(/extxyz line 1: expected the number of atoms/);
    expect(() => readExtxyz('1\nplain xyz comment\nCu 0 0 0\n')).toThrow(/extxyz line 2: no Lattice=/);
    expect(() => readExtxyz('2\nLattice="3 0 0 0 3 0 0 0 3"\nCu 0 0 0\n')).toThrow(/extxyz line 4: missing atom 2 of 2/);
    expect(() => readExtxyz('1\nLattice="3 0 0 0 3 0 0 0 3"\nQq 0 0 0\n')).toThrow(/extxyz line 3: unknown element 'Qq'/);
  });

  it('writes Lattice, Properties, pbc and Cartesian positions', () => {
    const text = writeExtxyz({ lattice: { matrix: [[4, 0, 0], [0, 4, 0], [0, 0, 4]] }, species: ['Na', 'Cl'], fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]] });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('2');
    expect(lines[1]).toMatch(/^Lattice="4\.0+ 0\.0+ 0\.0+ 0\.0+ 4\.0+ 0\.0+ 0\.0+ 0\.0+ 4\.0+" Properties=species:S:1:pos:R:3 pbc="T T T"$/);
    expect(lines[3].trim().split(/\s+/).map((t, i) => (i === 0 ? t : Number(t)))).toEqual(['Cl', 2, 2, 2]);
  });
});
