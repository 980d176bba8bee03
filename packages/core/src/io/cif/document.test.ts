import { describe, expect, it } from 'vitest';
import { StructureError } from '../../base/errors.ts';
import { cifNumber, isNull, parseCif, valuesOf } from './document.ts';
import { tokenizeCif } from './tokenize.ts';

describe('tokenizeCif', () => {
  it('keeps apostrophes inside quoted values and drops comments', () => {
    const tokens = tokenizeCif("_publ_author_name 'O'Keeffe, M.' # a comment\n_title \"a 'b' c\"");
    expect(tokens.map((t) => [t.kind, t.text, t.line])).toEqual([
      ['tag', '_publ_author_name', 1],
      ['value', "O'Keeffe, M.", 1],
      ['tag', '_title', 2],
      ['value', "a 'b' c", 2],
    ]);
  });

  it('reads ;-delimited text fields across lines and counts lines through them', () => {
    const tokens = tokenizeCif('_note\n;\nfirst line\n second; line\n;\n_cell_length_a 4.2');
    expect(tokens[1]).toMatchObject({ kind: 'value', text: 'first line\n second; line', line: 2, quoted: true });
    expect(tokens[3]).toMatchObject({ text: '4.2', line: 6 });
  });

  it('treats a semicolon that does not start a line as part of a bare value', () => {
    expect(tokenizeCif('_a  ;x').map((t) => t.text)).toEqual(['_a', ';x']);
  });

  it('names the line of an unclosed text field', () => {
    expect(() => tokenizeCif('_a 1\n_note\n;\nnever closed')).toThrow(/CIF line 3: text field/);
  });
});

describe('parseCif', () => {
  const text = [
    'data_first',
    '_cell_length_a 5.4309(2)',
    '_symmetry_space_group_name_H-M   ?',
    'loop_',
    '_atom_site_label',
    '_atom_site_fract_x',
    'Si1 0.125',
    "'Si 2' .5",
    'data_second',
    '_cell_length_a 3',
  ].join('\n');

  it('splits blocks, items and loops, with case-insensitive tags', () => {
    const blocks = parseCif(text);
    expect(blocks.map((b) => b.name)).toEqual(['first', 'second']);
    expect(blocks[0].loops[0].tags).toEqual(['_atom_site_label', '_atom_site_fract_x']);
    expect(valuesOf(blocks[0], '_atom_site_label')!.map((v) => v.text)).toEqual(['Si1', 'Si 2']);
    expect(valuesOf(blocks[0], '_cell_length_a')![0].text).toBe('5.4309(2)');
  });

  it('reads numbers with standard uncertainties and recognises null values', () => {
    const [first] = parseCif(text);
    expect(cifNumber(first.items.get('_cell_length_a')!)).toBe(5.4309);
    expect(cifNumber({ text: '-1.5e-3(12)', line: 1, quoted: false })).toBe(-0.0015);
    expect(Number.isNaN(cifNumber({ text: '1.2.3', line: 1, quoted: false }))).toBe(true);
    expect(isNull(first.items.get('_symmetry_space_group_name_h-m'))).toBe(true);
    expect(isNull({ text: '?', line: 1, quoted: true })).toBe(false);
  });

  it('names the loop whose rows are incomplete', () => {
    const bad = 'data_x\nloop_\n_atom_site_label\n_atom_site_fract_x\nSi1 0.1\nSi2';
    expect(() => parseCif(bad)).toThrow(StructureError);
    expect(() => parseCif(bad)).toThrow(/CIF line 2: loop of 2 tags .* holds 3 values/);
  });

  it('joins the words of an unquoted value on its tag line, as hand-edited files write space groups', () => {
    const [block] = parseCif('data_x\n_symmetry_space_group_name_H-M P 21/c\n_cell_length_a 3');
    expect(block.items.get('_symmetry_space_group_name_h-m')!.text).toBe('P 21/c');
    expect(() => parseCif('data_x\n_cell_length_a 3\n4')).toThrow(/CIF line 3: value '4' without a tag/);
  });
});
