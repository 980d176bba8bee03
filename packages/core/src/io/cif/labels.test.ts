import { describe, expect, it } from 'vitest';
import { ELEMENT_SYMBOLS, atomicNumber } from '../../base/elements.ts';
import { elementFromLabel, labelGuessWarning } from './labels.ts';

describe('elementFromLabel', () => {
  it.each([
    ['Fe1', 'Fe'],
    ['O2A', 'O'],
    ['Ca3', 'Ca'],
    ['Al(1)', 'Al'],
    ['P', 'P'],
    ['W1', 'W'],
    ['Cl2_b', 'Cl'],
  ])('reads the ordinary label %s as %s without a guess', (label, element) => {
    expect(elementFromLabel(label)).toEqual({ element });
  });

  it.each([
    ['Wat', 'O', 'O (water oxygen)', true],
    ['wat2', 'O', 'O (water oxygen)', true],
    ['OW2', 'O', 'O (water oxygen)', true],
    ['Ow1', 'O', 'O (water oxygen)', true],
    ['Hw1', 'H', 'H (water hydrogen)', false],
    ['HW12', 'H', 'H (water hydrogen)', false],
    ['O-H(1)', 'O', 'O (hydroxyl oxygen)', true],
    ['OH1', 'O', 'O (hydroxyl or water oxygen)', true],
    ['OH2', 'O', 'O (hydroxyl or water oxygen)', true],
  ])('reads the water or hydroxyl label %s as %s, hydrogen implicit: %s', (label, element, guess, implicitHydrogen) => {
    expect(elementFromLabel(label)).toEqual({ element, guess, implicitHydrogen });
  });

  it.each([
    ['NO3', 'N', 'N, not No'],
    ['NH4', 'N', 'N, not Nh'],
    ['CN1', 'C', 'C, not Cn'],
    ['FE1', 'Fe', 'Fe'],
    ['Oa1', 'O', 'O'],
    ['CO3', 'Co', 'Co'],
  ])('reads %s as %s and says it guessed (%s)', (label, element, guess) => {
    expect(elementFromLabel(label)).toEqual({ element, guess });
  });

  it('gives null when no letter starts an element', () => {
    for (const label of ['', '1', '(1)', 'Q1', 'Xx', 'J2', ' ']) expect(elementFromLabel(label)).toBeNull();
  });

  it('never reads a label as an element from fermium on when its first letter is one', () => {
    for (const symbol of ELEMENT_SYMBOLS.filter((s) => atomicNumber(s)! >= 100 && s.length === 2)) {
      const reading = elementFromLabel(`${symbol}1`);
      const first = symbol[0];
      if ((ELEMENT_SYMBOLS as readonly string[]).includes(first)) expect(reading?.element).toBe(first);
    }
  });
});

describe('labelGuessWarning', () => {
  it('is silent when no label needed a guess', () => {
    expect(labelGuessWarning([{ label: 'Fe1', reading: { element: 'Fe' } }])).toBeUndefined();
  });

  it('lists the guessed labels and says hydrogen may be implicit after a water or hydroxyl label', () => {
    const warning = labelGuessWarning(['Wat', 'Fe1', 'Hw1'].map((label) => ({ label, reading: elementFromLabel(label)! })));
    expect(warning).toBe(
      "CIF: the elements of 2 sites were guessed from their labels: 'Wat' as O (water oxygen), 'Hw1' as H (water hydrogen); " +
        'hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure (give _atom_site_type_symbol to state each element)',
    );
    expect(labelGuessWarning([{ label: 'NO3', reading: elementFromLabel('NO3')! }])).toBe(
      "CIF: the element of a site was guessed from its label: 'NO3' as N, not No (give _atom_site_type_symbol to state each element)",
    );
  });

  it('lists at most eight labels, then how many more', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ label: `OW${i}`, reading: elementFromLabel(`OW${i}`)! }));
    expect(labelGuessWarning(many)).toMatch(/'OW7' as O \(water oxygen\), and 3 more; hydrogen may be implicit/);
  });
});
