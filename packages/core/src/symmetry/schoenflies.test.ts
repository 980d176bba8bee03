import { describe, expect, it } from 'vitest';
import { CoreError } from '../base/errors.ts';
import { loadMoyo } from './moyo.ts';
import { schoenflies } from './schoenflies.ts';

/** Orders of the 32 crystallographic point groups (International Tables, Vol. A, Table 10.1.2.2). */
const ORDER: Record<string, number> = {
  C1: 1, Ci: 2, C2: 2, Cs: 2, C2h: 4, D2: 4, C2v: 4, D2h: 8,
  C4: 4, S4: 4, C4h: 8, D4: 8, C4v: 8, D2d: 8, D4h: 16,
  C3: 3, C3i: 6, D3: 6, C3v: 6, D3d: 12,
  C6: 6, C3h: 6, C6h: 12, D6: 12, C6v: 12, D3h: 12, D6h: 24,
  T: 12, Th: 24, O: 24, Td: 24, Oh: 48,
};

describe('schoenflies', () => {
  it.each([
    ['1', 'C1'],
    ['-1', 'Ci'],
    ['.3m', 'C3v'],
    ['3m.', 'C3v'],
    ['-43m', 'Td'],
    ['m-3m', 'Oh'],
    ['m-3.', 'Th'],
    ['4/mmm', 'D4h'],
    ['4/mm.m', 'D4h'],
    ['-42m', 'D2d'],
    ['-4m2', 'D2d'],
    ['-4m.2', 'D2d'],
    ['2.mm', 'C2v'],
    ['m.2m', 'C2v'],
    ['m.mm', 'D2h'],
    ['..m', 'Cs'],
    ['..2', 'C2'],
    ['.-3m', 'D3d'],
    ['-3.', 'C3i'],
    ['-6m2', 'D3h'],
    ['6/mmm', 'D6h'],
    ['42.2', 'D4'],
    ['23.', 'T'],
    ['432', 'O'],
  ])('%s is %s', (symbol, expected) => {
    expect(schoenflies(symbol)).toBe(expected);
  });

  it('refuses a symbol that is no crystallographic point group', () => {
    expect(() => schoenflies('5m')).toThrow(CoreError);
    expect(() => schoenflies('5m')).toThrow(/'5m' is not a crystallographic point-group symbol/);
  });

  it('names every site symmetry of every Hall setting with a group of the right order', () => {
    // A Wyckoff position's site-symmetry order is the general position's multiplicity divided by its own.
    const moyo = loadMoyo();
    let checked = 0;
    for (let hall = 1; hall <= 530; hall++) {
      const positions = moyo.wyckoff_positions(hall);
      const general = positions[0].multiplicity;
      for (const w of positions) {
        expect(ORDER[schoenflies(w.site_symmetry)], `Hall ${hall} ${w.multiplicity}${w.letter} ${w.site_symmetry}`).toBe(general / w.multiplicity);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
