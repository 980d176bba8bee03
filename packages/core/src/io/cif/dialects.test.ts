import { describe, expect, it } from 'vitest';
import { structureErrorOf } from '../structure-error-of.ts';
import { readCif } from './read.ts';

/** A cubic P1 cell of 5 Å; `columns` are the _atom_site_ tags after the label; the first row is on line 14. */
const cif = (columns: string[], rows: string[]) =>
  [
    'data_x',
    '_cell_length_a 5', '_cell_length_b 5', '_cell_length_c 5',
    '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 90',
    "_space_group_name_H-M_alt 'P 1'",
    'loop_',
    '_atom_site_label',
    ...columns.map((c) => `_atom_site_${c}`),
    ...rows,
  ].join('\n') + '\n';
const xyz = ['fract_x', 'fract_y', 'fract_z'];

describe("readCif: '.' and '?' in coordinates", () => {
  it("reads '.' (the default value) as 0 and lists the sites in one warning", () => {
    const { structure, warnings } = readCif(cif(xyz, ['Mn1 . . .', 'F1 .5 . .', 'K1 .5 .5 .5']));
    expect(structure.fracCoords).toEqual([[0, 0, 0], [0.5, 0, 0], [0.5, 0.5, 0.5]]);
    expect(warnings).toEqual(["CIF: '.' (the default value) written for a fractional coordinate read as 0 at Mn1 (x, y, z), F1 (y, z)"]);
  });

  it("refuses '?' (unknown) in a coordinate, naming the site, the axis and the line", () => {
    const e = structureErrorOf(() => readCif(cif(xyz, ['Mn1 0 0 0', 'F1 .5 ? 0'])));
    expect(e.message).toBe("CIF line 15: site F1 has _atom_site_fract_y '?' (unknown): every coordinate must be given");
    expect(e).toMatchObject({ line: 15, site: 'F1' });
  });

  it("takes a quoted '.' as text, not as the default mark", () => {
    expect(() => readCif(cif(xyz, ["Mn1 0 '.' 0"]))).toThrow("CIF line 14: site Mn1 has _atom_site_fract_y '.', not a number");
  });

  it('calls a number too large for a double not finite', () => {
    expect(() => readCif(cif(xyz, ['Mn1 0 1e999 0']))).toThrow("site Mn1 has _atom_site_fract_y '1e999', not a finite number");
  });
});

describe('readCif: elements from labels', () => {
  it('reads water and hydroxyl labels as O and H and warns that hydrogen may be implicit', () => {
    const { structure, warnings } = readCif(cif(xyz, ['Al(1) .1 .1 .1', 'O-H(1) .6 .2 .2', 'Wat .8 .7 .6', 'OW2 .2 .7 .8', 'Hw1 .25 .8 .9']));
    expect(structure.species).toEqual(['Al', 'O', 'O', 'O', 'H']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^CIF: the elements of 4 sites were guessed from their labels: 'O-H\(1\)' as O \(hydroxyl oxygen\), 'Wat' as O/);
    expect(warnings[0]).toMatch(/hydrogen may be implicit/);
  });

  it('follows the same conventions for type symbols that are not elements', () => {
    const { structure, warnings } = readCif(cif(['type_symbol', ...xyz], ['W1 Wat 0 0 0', 'N1 NO3 .5 .5 .5', 'O1 O2- .5 0 0']));
    expect(structure.species).toEqual(['O', 'N', 'O']);
    expect(warnings[0]).toMatch(/'Wat' as O \(water oxygen\), 'NO3' as N, not No/);
  });

  it('reads ordinary labels without a warning', () => {
    expect(readCif(cif(xyz, ['Fe1 0 0 0', 'O2A .5 .5 .5'])).warnings).toEqual([]);
  });
});

describe('readCif: bytes that are not text', () => {
  it('names a NUL byte and its line', () => {
    const e = structureErrorOf(() => readCif(cif(xyz, ['Fe1 0 0 0', 'O1 .5\u0000 .5 .5'])));
    expect(e.message).toBe('CIF line 15: a NUL byte (U+0000) at column 6: structure files are plain text, so this is binary data (a compressed, binary or damaged file?)');
    expect(e.line).toBe(15);
  });

  it('names other control characters by their code point', () => {
    expect(() => readCif(`data_x\n_cell_length_a 5\u001b[0m\n`)).toThrow(/^CIF line 2: the control character U\+001B at column 17/);
  });
});
