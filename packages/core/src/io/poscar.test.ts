import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { volume } from '../base/lattice.ts';
import { readPoscar, writePoscar } from './poscar.ts';
import { structureErrorOf } from './structure-error-of.ts';

const BAD = new URL('../../../../fixtures/bad/', import.meta.url);
const bad = (name: string) => readFileSync(new URL(name, BAD), 'utf8');

const rocksalt = (scale: string, mode: string, coords: string[], extra = '') =>
  ['NaCl', scale, '  1.0 0.0 0.0', '  0.0 1.0 0.0', '  0.0 0.0 1.0', 'Na Cl', '1 1', ...(mode ? [mode] : []), ...coords].join('\n') + extra;

describe('readPoscar', () => {
  it('reads a negative scale as the cell volume', () => {
    const { structure } = readPoscar(rocksalt('-64.0', 'Direct', ['0 0 0', '0.5 0.5 0.5']));
    expect(volume(structure.lattice)).toBeCloseTo(64, 10);
    expect(structure.lattice.matrix[0][0]).toBeCloseTo(4, 12);
  });

  it('scales Cartesian coordinates with the lattice and converts them to fractional', () => {
    // Scale 4: the Cl at Cartesian (0.5, 0.5, 0.5) in scaled units is at (2, 2, 2) Å, fractional 0.5.
    const { structure } = readPoscar(rocksalt('4.0', 'cartesian', ['0 0 0', '0.5 0.5 0.5']));
    expect(structure.fracCoords[1].map((x) => Number(x.toFixed(12)))).toEqual([0.5, 0.5, 0.5]);
  });

  it('reads three per-axis scale factors', () => {
    // Cartesian positions are scaled per axis too: (0.5, 0.5, 0.5) becomes (1, 1.5, 2) Å, the cell centre.
    const { structure } = readPoscar(rocksalt('2 3 4', 'K', ['0 0 0', '0.5 0.5 0.5']));
    expect(structure.lattice.matrix).toEqual([
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, 4],
    ]);
    expect(structure.fracCoords[1].map((x) => Number(x.toFixed(12)))).toEqual([0.5, 0.5, 0.5]);
  });

  it('skips Selective dynamics flags, trailing site labels and a velocity block', () => {
    const text = rocksalt('1.0', 'Selective dynamics\nDirect', ['0 0 0 T T F Na1', '0.5 0.5 0.5 F F F Cl1'], '\n\n  0.1 0.2 0.3\n  0.0 0.0 0.0\n');
    const { structure } = readPoscar(text);
    expect(structure.species).toEqual(['Na', 'Cl']);
    expect(structure.fracCoords).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
    ]);
  });

  it('reads POTCAR-style element names (Fe_pv, O/abc123) as their elements', () => {
    const text = ['x', '1', '2 0 0', '0 2 0', '0 0 2', 'Fe_pv O/3d2f1a', '1 1', 'd', '0 0 0', '0.5 0.5 0.5'].join('\n');
    expect(readPoscar(text).structure.species).toEqual(['Fe', 'O']);
  });

  it('reads a VASP 4 file when the caller names the species', () => {
    const { structure } = readPoscar(bad('vasp4-no-species.vasp'), { species: ['Cd', 'Te'] });
    expect(structure.species).toEqual(['Cd', 'Te']);
    expect(structure.fracCoords[1]).toEqual([0.25, 0.25, 0.25]);
  });

  it('refuses a VASP 4 file without species, naming line 6, why nothing beside the counts gave them, and both remedies', () => {
    expect(() => readPoscar(bad('vasp4-no-species.vasp'))).toThrow(
      "POSCAR line 6: found atom counts '1 1' where the element line belongs: this is a VASP 4 file without species, and none could be read beside the counts " +
        "(no element names follow the coordinates; the comment line 'CdTe primitive, VASP 4 style: no element line' is not a list of element symbols ('primitive' is not one)). " +
        'Add a line with the element symbols (e.g. \'Cd Te\') above the counts, or pass the species with the file (--species \'Cd Te\' on the command line, "species": ["Cd", "Te"] beside the structure in an API request)',
    );
  });

  it('names a token that is not a number where a coordinate belongs, and where it stands', () => {
    const text = ['Cu', '1', '3.6 0 0', '0 3.6 0', '0 0 3.6', 'Cu', '2', 'Direct', '0 0 0', '0.50 0x0 0.50'].join('\n');
    expect(() => readPoscar(text)).toThrow("POSCAR line 10: coordinates of site 2 of 2 (Cu) need three numbers, but '0x0', value 2 of '0.50 0x0 0.50', is not a number");
    expect(() => readPoscar(text.replace('0 3.6 0', '0 3,6 0'))).toThrow("POSCAR line 4: lattice vector b needs three numbers, but '3,6', value 2 of '0 3,6 0', is not a number");
  });

  it('refuses species passed with a file whose element line names others, and species that do not fit the counts', () => {
    const text = rocksalt('1.0', 'Direct', ['0 0 0', '0.5 0.5 0.5']);
    expect(readPoscar(text, { species: ['na', 'CL'] }).structure.species).toEqual(['Na', 'Cl']);
    expect(() => readPoscar(text, { species: ['K', 'Cl'] })).toThrow(
      'POSCAR line 6: the element line names the species Na Cl, but K Cl were passed with the file: they disagree, so which is right is unknown; pass none (the element line is enough) or correct the file',
    );
    expect(() => readPoscar(bad('vasp4-no-species.vasp'), { species: ['Cd'] })).toThrow("POSCAR line 6: 2 atom counts (1 1) for 1 species (Cd): they must match one to one");
  });

  it('names the line where a truncated file stops', () => {
    expect(() => readPoscar(bad('truncated.vasp'))).toThrow(/POSCAR line 11: coordinates of site 3 of 4 \(N\) need three numbers, found 2 .* truncated/);
    expect(() => readPoscar(bad('truncated.vasp').split('\n').slice(0, 10).join('\n'))).toThrow(/POSCAR line 11: missing coordinates of site 3 of 4 \(N\): the file ends at line 10, truncated/);
    expect(() => readPoscar('Cu\n1.0\n3.6 0 0\n0 3.6 0\n')).toThrow(/POSCAR line 5: missing lattice vector c/);
    expect(() => readPoscar('Cu\n1.0\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n1\n')).toThrow(/POSCAR line 8: missing the 'Direct' or 'Cartesian' line/);
  });

  it('names the line of malformed headers', () => {
    expect(() => readPoscar('Cu\nscale\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n1\nD\n0 0 0')).toThrow(/POSCAR line 2: expected the scaling factor/);
    expect(() => readPoscar('Cu\n1\n3.6 0 0\n0 3.6\n0 0 3.6\nCu\n1\nD\n0 0 0')).toThrow("POSCAR line 4: lattice vector b needs three numbers, found 2 in '0 3.6'");
    expect(() => readPoscar('Cu\n1\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu Xx\n1 1\nD\n0 0 0\n.5 .5 .5')).toThrow(/POSCAR line 6: unknown element 'Xx'/);
    expect(() => readPoscar('Cu\n1\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu O\n1\nD\n0 0 0')).toThrow(/POSCAR line 7: 1 atom counts \(1\) for 2 species/);
  });
});

describe('readPoscar: VASP 4 species from what writers leave beside the counts', () => {
  const vasp4 = (comment: string, counts: string, sites: string[]) =>
    [comment, '4.0', '1 0 0', '0 1 0', '0 0 1', counts, 'Direct', ...sites].join('\n');
  const rocksalt = ['0 0 0', '0 0.5 0.5', '0.5 0 0.5', '0.5 0.5 0', '0.5 0.5 0.5', '0.5 0 0', '0 0.5 0', '0 0 0.5'];

  it.each([
    ['Mg4 O4', 'a formula with counts, as pymatgen writes it'],
    ['Mg O', 'the symbols, as ASE writes them'],
    ['MgO', 'a formula without counts'],
    ['Mg4O4', 'a compact formula'],
  ])("reads the comment line '%s' (%s) and warns", (comment) => {
    const { structure, warnings } = readPoscar(vasp4(comment, '4 4', rocksalt));
    expect(structure.species).toEqual(['Mg', 'Mg', 'Mg', 'Mg', 'O', 'O', 'O', 'O']);
    expect(warnings).toEqual([`POSCAR has no element line (VASP 4): read the species Mg O from the comment line '${comment}'`]);
  });

  it.each([
    ['Mg3 O5', 'counts that differ from the count line'],
    ['Mg', 'fewer elements than species blocks'],
    ['Mg O Ca', 'more elements than species blocks'],
    ['rock salt', 'words'],
    ['Mg4 O4 relaxed', 'a formula followed by words'],
    ['Xx O', 'an unknown element'],
  ])("keeps the VASP 4 error for the comment '%s' (%s)", (comment) => {
    expect(() => readPoscar(vasp4(comment, '4 4', rocksalt))).toThrow(/POSCAR line 6: found atom counts '4 4' where the element line belongs: this is a VASP 4 file without species/);
  });

  it('reads the element after each coordinate, also under Selective dynamics, before the comment', () => {
    const sites = rocksalt.map((p, i) => `${p} ${i < 4 ? 'Mg' : 'O'}`);
    expect(readPoscar(vasp4('Ca4 S4', '4 4', sites)).structure.species).toEqual(['Mg', 'Mg', 'Mg', 'Mg', 'O', 'O', 'O', 'O']);
    const flagged = [vasp4('x', '4 4', []).replace('Direct', 'Selective dynamics\nDirect'), ...rocksalt.map((p, i) => `${p} T T F ${i < 4 ? 'Mg' : 'O'}`)].join('\n');
    const { structure, warnings } = readPoscar(flagged);
    expect(structure.species.slice(3, 5)).toEqual(['Mg', 'O']);
    expect(warnings).toEqual(['POSCAR has no element line (VASP 4): read the species Mg O from the element names after the coordinates']);
  });

  it('does not take names after the coordinates that mix elements within a block, or are missing, and says so', () => {
    const mixed = rocksalt.map((p, i) => `${p} ${i === 1 ? 'O' : i < 4 ? 'Mg' : 'O'}`);
    expect(() => readPoscar(vasp4('x', '4 4', mixed))).toThrow(/VASP 4 file without species, .*\(the names after the coordinates put O in a block of Mg \(line 9\);/);
    const partial = rocksalt.map((p, i) => (i === 7 ? p : `${p} ${i < 4 ? 'Mg' : 'O'}`));
    expect(() => readPoscar(vasp4('x', '4 4', partial))).toThrow(/VASP 4 file without species, .*\(line 15 has no element name after its coordinates;/);
  });

  it.each([
    ['Mg3 O5', "the comment's numbers 3 5 do not match the counts 4 4 (Mg3 where the count is 4)"],
    ['Mg', "the comment line 'Mg' names 1 element (Mg) for 2 counts"],
    ['rock salt', "the comment line 'rock salt' is not a list of element symbols ('rock' is not one)"],
    ['Xx O', "the comment line 'Xx O' is not a list of element symbols ('Xx' is not an element)"],
    ['', 'the comment line is empty'],
  ])("says why the comment '%s' gave no species", (comment, reason) => {
    expect(() => readPoscar(vasp4(comment, '4 4', rocksalt))).toThrow(`(no element names follow the coordinates; ${reason}).`);
  });

  it('prefers the species passed by the caller to any guess', () => {
    expect(readPoscar(vasp4('Mg4 O4', '4 4', rocksalt), { species: ['Ca', 'S'] }).structure.species[0]).toBe('Ca');
  });

  it('refuses element names after the coordinates that contradict the species used, whatever gave them, naming the line', () => {
    const names = ['Mg', 'Mg', 'O', 'Mg', 'O', 'O', 'Mg', 'O'];
    const sites = rocksalt.map((p, i) => `${p} ${names[i]}`);
    const contradiction = (source: string) =>
      `POSCAR line 10: the element 'O' named after the coordinates of site 3 contradicts the species Mg that ${source} gives it: ` +
      "the file's two statements of species disagree, so which element each site holds is unknown; correct the names or the species";
    expect(() => readPoscar(vasp4('Mg O', '4 4', sites))).toThrow(contradiction("the comment line 'Mg O'"));
    expect(() => readPoscar(vasp4('x', '4 4', sites), { species: ['Mg', 'O'] })).toThrow(contradiction('the species passed with the file'));
    // With an element line, the sites start a line later.
    expect(() => readPoscar(vasp4('x', 'Mg O\n4 4', sites))).toThrow(contradiction('the element line (line 6)').replace('line 10', 'line 11'));
  });

  it('reads labels that are no element, and T/F flags left without their Selective dynamics line, as no name', () => {
    const labelled = rocksalt.map((p, i) => `${p} ${i < 4 ? 'Mg_a' : 'site8'}`);
    expect(readPoscar(vasp4('Mg O', '4 4', labelled)).structure.species[4]).toBe('O');
    const flagged = rocksalt.map((p) => `${p} F F T`);
    expect(readPoscar(vasp4('Mg O', '4 4', flagged)).structure.species[0]).toBe('Mg');
  });

  it('warns when the comment reads as other species than the names after the coordinates, which it uses', () => {
    const sites = rocksalt.map((p, i) => `${p} ${i < 4 ? 'O' : 'Mg'}`);
    const { structure, warnings } = readPoscar(vasp4('Mg4 O4', '4 4', sites));
    expect(structure.species[0]).toBe('O');
    expect(warnings).toEqual([
      'POSCAR has no element line (VASP 4): read the species O Mg from the element names after the coordinates',
      "POSCAR comment line 'Mg4 O4' reads as the species Mg O, which the element names after the coordinates contradict: used the names",
    ]);
  });
});

describe('readPoscar: a value that is not a finite number is named with its line', () => {
  const cu = (scale: string, a: string, site: string) => ['Cu', scale, a, '0 3.6 0', '0 0 3.6', 'Cu', '2', 'Direct', '0 0 0', site].join('\n');

  it.each([
    ['Infinity', "POSCAR line 10: coordinates of site 2 of 2 (Cu): 'Infinity' is not a finite number"],
    ['NaN', "POSCAR line 10: coordinates of site 2 of 2 (Cu): 'NaN' is not a finite number"],
    ['-inf', "POSCAR line 10: coordinates of site 2 of 2 (Cu): '-inf' is not a finite number"],
    ['1e999', "POSCAR line 10: coordinates of site 2 of 2 (Cu): '1e999' is too large: not a finite number"],
    ['*******', "POSCAR line 10: coordinates of site 2 of 2 (Cu): '*******' is not a number: Fortran writes asterisks"],
  ])('a coordinate %s on the last line is named, not called a truncation', (value, message) => {
    const e = structureErrorOf(() => readPoscar(cu('1.0', '3.6 0 0', `0.5 ${value} 0.5`)));
    expect(e.message.startsWith(message)).toBe(true);
    expect(e.message).not.toMatch(/truncated/);
    expect(e.line).toBe(10);
  });

  it('names a non-finite scale or lattice value', () => {
    expect(() => readPoscar(cu('NaN', '3.6 0 0', '0.5 0.5 0.5'))).toThrow("POSCAR line 2: the scaling factor: 'NaN' is not a finite number");
    expect(() => readPoscar(cu('1.0', '3.6 inf 0', '0.5 0.5 0.5'))).toThrow("POSCAR line 3: lattice vector a: 'inf' is not a finite number");
  });

  it('still reads labels after the numbers and names a NUL byte with its line', () => {
    expect(readPoscar(cu('1.0', '3.6 0 0 ! a', '0.5 0.5 0.5 Cu2')).structure.fracCoords[1]).toEqual([0.5, 0.5, 0.5]);
    expect(() => readPoscar(cu('1.0', '3.6 0 0', '0.5 0.5\u0000 0.5'))).toThrow(/^POSCAR line 10: a NUL byte \(U\+0000\) at column 8: structure files are plain text/);
  });
});

describe('writePoscar', () => {
  it('groups species in order of first appearance and writes direct coordinates', () => {
    const text = writePoscar(
      {
        lattice: { matrix: [[4, 0, 0], [0, 4, 0], [0, 0, 4]] },
        species: ['O', 'Mg', 'O', 'Mg'],
        fracCoords: [[0.5, 0, 0], [0, 0, 0], [0, 0.5, 0], [0.5, 0.5, 0]],
      },
      { comment: 'rock salt\nslab' },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('rock salt slab');
    expect(lines[1]).toBe('1.0');
    expect(lines[5].trim().split(/\s+/)).toEqual(['O', 'Mg']);
    expect(lines[6].trim().split(/\s+/)).toEqual(['2', '2']);
    expect(lines[7]).toBe('Direct');
    expect(lines.slice(8, 12).map((l) => l.trim().split(/\s+/).map((t) => (t.match(/^[A-Z]/) ? t : Number(t))))).toEqual([
      [0.5, 0, 0, 'O'],
      [0, 0.5, 0, 'O'],
      [0, 0, 0, 'Mg'],
      [0.5, 0.5, 0, 'Mg'],
    ]);
    expect(lines[8]).toContain('0.5000000000000000');
  });
});
