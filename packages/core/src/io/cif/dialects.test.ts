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
    expect(warnings[0]).toMatch(/^CIF: the elements of 4 sites were guessed from their labels: 'O-H\(1\)' as O \(hydroxyl oxygen\); 'Wat', 'OW2' as O \(water oxygen\)/);
    expect(warnings[0]).toMatch(/hydrogen may be implicit/);
  });

  it('follows the same conventions for type symbols that are not elements, and says the guess came from the type symbol', () => {
    const { structure, warnings } = readCif(cif(['type_symbol', ...xyz], ['W1 Wat 0 0 0', 'N1 NO3 .5 .5 .5', 'O1 O2- .5 0 0', 'O2 Ow .5 .5 0']));
    expect(structure.species).toEqual(['O', 'N', 'O', 'O']);
    expect(warnings).toEqual([
      "CIF: the elements of 3 sites were guessed from their type symbols, which are not element symbols: 'NO3' as N, not No; 'Wat', 'Ow' as O (water oxygen); " +
        'hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure (write element symbols in _atom_site_type_symbol to state each element)',
    ]);
  });

  it('names the unusual guess that a long run of water labels would hide', () => {
    const waters = Array.from({ length: 9 }, (_, i) => `OW${i + 1} .${i + 1} .25 .75`);
    const { structure, warnings } = readCif(cif(xyz, ['Ca1 0 0 0', 'S1 .5 .5 .5', 'O1 .5 0 0', 'O2 0 .5 0', ...waters, 'HOH1 .3 .8 .3', 'Oa1 .6 .8 .1']));
    expect(structure.species.slice(-2)).toEqual(['O', 'O']);
    expect(warnings[0]).toMatch(/^CIF: the elements of 11 sites were guessed from their labels: 'Oa1' as O; 'OW1', /);
  });

  it('reads deuterium as hydrogen with a warning, and refuses a label that could only be an element from fermium on', () => {
    const { structure, warnings } = readCif(cif(xyz, ['O1 0 0 0', 'D1 .1 .1 .1', 'D2 .9 .9 .9']));
    expect(structure.species).toEqual(['O', 'H', 'H']);
    expect(warnings).toEqual(["CIF: the elements of 2 sites were guessed from their labels: 'D1', 'D2' as H (deuterium, read as hydrogen) (give _atom_site_type_symbol to state each element)"]);
    expect(readCif(cif(['type_symbol', ...xyz], ['O1 O 0 0 0', 'D1 D .1 .1 .1'])).structure.species).toEqual(['O', 'H']);
    const e = structureErrorOf(() => readCif(cif(xyz, ['O1 0 0 0', 'Md1 .5 .5 .5'])));
    expect(e.message).toBe(
      "CIF line 15: unknown element 'Md' at site Md1: no _atom_site_type_symbol, and the label 'Md1' would be Md (Z = 101), but elements from fermium on are in no crystal structure, so no label is read as one; give _atom_site_type_symbol",
    );
    expect(readCif(cif(['type_symbol', ...xyz], ['Md1 Md 0 0 0'])).structure.species).toEqual(['Md']);
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

describe("readCif: '?' and '.' in fields other than coordinates", () => {
  const withCell = (cell: Record<string, string>, columns: string[], rows: string[]) =>
    Object.entries(cell).reduce((text, [tag, value]) => text.replace(new RegExp(`^${tag} .*$`, 'm'), `${tag} ${value}`), cif(columns, rows));

  it("reads an occupancy '?' or '.' as 1, with a warning naming the sites", () => {
    const { structure, warnings } = readCif(cif([...xyz, 'occupancy'], ['Mg1 0 0 0 ?', 'O1 .5 .5 .5 .', 'O2 .5 0 0 1.0']));
    expect(structure.species).toEqual(['Mg', 'O', 'O']);
    expect(warnings).toEqual(["CIF: _atom_site_occupancy gives no value ('?' unknown, or '.') at Mg1 ('?'), O1 ('.'): read as 1, fully occupied"]);
  });

  it("says a cell angle given as '?' or '.' is present but without a value, and what was assumed", () => {
    const { warnings } = readCif(withCell({ _cell_angle_beta: '?', _cell_angle_gamma: '.' }, xyz, ['Mg1 0 0 0']));
    expect(warnings).toEqual([
      "CIF: _cell_angle_beta is '?' (unknown) on line 6: assumed 90°, the CIF default",
      "CIF: _cell_angle_gamma is '.' (the default mark) on line 7: assumed 90°, the CIF default",
    ]);
    const absent = readCif(cif(xyz, ['Mg1 0 0 0']).replace(/_cell_angle_alpha 90\n/, '')).warnings;
    expect(absent).toEqual(['CIF has no _cell_angle_alpha: assumed 90°, the CIF default']);
  });

  it("refuses a cell length given as '.' or '?', saying it is present without a value, with its line", () => {
    for (const mark of ['.', '?']) {
      const e = structureErrorOf(() => readCif(withCell({ _cell_length_b: mark }, xyz, ['Mg1 0 0 0'])));
      expect(e.message).toBe(`CIF line 3: _cell_length_b is ${mark === '?' ? "'?' (unknown)" : "'.' (the default mark)"}, but a cell length has no default: give its value`);
    }
    expect(() => readCif(cif(xyz, ['Mg1 0 0 0']).replace(/_cell_length_c 5\n/, ''))).toThrow('CIF: _cell_length_c is missing from data_x');
  });

  it("warns when a type symbol '?' or '.' leaves the element to the label", () => {
    const { structure, warnings } = readCif(cif(['type_symbol', ...xyz], ['Mg1 ? 0 0 0', 'O1 . .5 .5 .5', 'O2 O .5 0 0']));
    expect(structure.species).toEqual(['Mg', 'O', 'O']);
    expect(warnings).toEqual(["CIF: _atom_site_type_symbol gives no element ('?' or '.') at Mg1 ('?'), O1 ('.'): their elements were read from their labels"]);
  });
});

describe('readCif: what the sites miss of what the file says the crystal holds', () => {
  /** Brucite, Mg(OH)2, as COD gives it (P-3m1, a 3.142 Å, c 4.766 Å), its H row deleted; `tags` and `extra` add to each row. */
  const brucite = (formulaSum: string | undefined, tags: string[], rows: [string, string]) =>
    [
      'data_brucite',
      ...(formulaSum === undefined ? [] : [`_chemical_formula_sum '${formulaSum}'`]),
      '_cell_length_a 3.142', '_cell_length_b 3.142', '_cell_length_c 4.766',
      '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 120',
      "_symmetry_space_group_name_H-M 'P -3 m 1'",
      'loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z',
      ...tags.map((t) => `_atom_site_${t}`),
      ...rows,
    ].join('\n') + '\n';

  it('warns that hydrogen attached to O is implicit, and that the formula lists H no site holds', () => {
    const { structure, warnings } = readCif(brucite('H2 Mg O2', ['attached_hydrogens'], ['Mg1 Mg 0 0 0 0', 'O1 O 0.33333 0.66667 0.2216 1']));
    expect(structure.species).toEqual(['Mg', 'O', 'O']);
    expect(warnings).toEqual([
      'CIF: the structure has implicit hydrogens: _atom_site_attached_hydrogens puts 2 H per cell on O1, not listed as sites, so they are missing from the structure read (MgO2); add their sites to include them',
      "CIF: _chemical_formula_sum 'H2 Mg O2' (line 2) lists H, which no site holds (X-ray studies often leave hydrogen unplaced): the structure read is MgO2, without that element; add the missing sites",
    ]);
  });

  it('is silent when the sites give the formula, in any multiple, and reads a structural formula with groups', () => {
    const rows: [string, string] = ['Mg1 Mg 0 0 0', 'O1 O 0.33333 0.66667 0.2216'];
    for (const f of ['Mg O2', 'Mg2 O4', 'MgO2', 'O2 Mg']) expect(readCif(brucite(f, [], rows)).warnings).toEqual([]);
    const structural = brucite(undefined, [], rows).replace('data_brucite', "data_brucite\n_chemical_formula_structural 'Mg(OH)2'");
    expect(readCif(structural).warnings).toEqual([
      "CIF: _chemical_formula_structural 'Mg(OH)2' (line 2) lists H, which no site holds (X-ray studies often leave hydrogen unplaced): the structure read is MgO2, without that element; add the missing sites",
    ]);
  });

  it('names elements the formula does not list, and proportions that differ', () => {
    const rows: [string, string] = ['Mg1 Mg 0 0 0', 'O1 O 0.33333 0.66667 0.2216'];
    expect(readCif(brucite('Mg', [], rows)).warnings).toEqual([
      "CIF: the sites hold O, which _chemical_formula_sum 'Mg' (line 2) does not list: the structure read is MgO2; check the sites' elements",
    ]);
    expect(readCif(brucite('Mg O', [], rows)).warnings).toEqual([
      "CIF: the sites give Mg1 O2 per cell, not the proportions of _chemical_formula_sum 'Mg O' (line 2): the structure read is MgO2; check for missing, extra or merged sites",
    ]);
  });

  it('does not compare a formula it cannot read', () => {
    const rows: [string, string] = ['Mg1 Mg 0 0 0', 'O1 O 0.33333 0.66667 0.2216'];
    for (const f of ['?', 'magnesium hydroxide', 'Mg2+ 2(O H)-']) expect(readCif(brucite(f, [], rows)).warnings).toEqual([]);
  });
});
