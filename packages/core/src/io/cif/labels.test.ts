import { describe, expect, it } from 'vitest';
import { ELEMENT_SYMBOLS, atomicNumber } from '../../base/elements.ts';
import { elementFromLabel, labelGuessWarnings, unreadableLabel } from './labels.ts';

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
    ['Oa1', 'O', 'O'],
  ])('reads %s as %s and says it guessed (%s), an unusual guess', (label, element, guess) => {
    expect(elementFromLabel(label)).toEqual({ element, guess, unusual: true });
  });

  it.each([
    ['FE1', 'Fe'],
    ['CO3', 'Co'],
  ])('reads the capitalised symbol %s as %s, a routine guess', (label, element) => {
    expect(elementFromLabel(label)).toEqual({ element, guess: element });
  });

  it.each([
    ['HOH1', 'O', 'O (water oxygen)', true],
    ['hoh', 'O', 'O (water oxygen)', true],
    ['D', 'H', 'H (deuterium, read as hydrogen)', false],
    ['D12', 'H', 'H (deuterium, read as hydrogen)', false],
    ['d2a', 'H', 'H (deuterium, read as hydrogen)', false],
  ])("reads the PDB's water %s and deuterium as %s", (label, element, guess, implicitHydrogen) => {
    expect(elementFromLabel(label)).toEqual({ element, guess, implicitHydrogen });
  });

  it('still reads Dy1 as dysprosium, not deuterium', () => {
    expect(elementFromLabel('Dy1')).toEqual({ element: 'Dy' });
  });

  it('gives null when no letter starts an element, or only one from fermium on would', () => {
    for (const label of ['', '1', '(1)', 'Q1', 'Xx', 'J2', ' ', 'Md1', 'Lr', 'Rf2', 'Mt1', 'Ts1']) expect(elementFromLabel(label)).toBeNull();
    expect(unreadableLabel('Md1')).toBe("the label 'Md1' would be Md (Z = 101), but elements from fermium on are in no crystal structure, so no label is read as one");
    expect(unreadableLabel('Q1')).toBe("the label 'Q1' does not start with an element symbol");
    expect(unreadableLabel('(1)')).toBe("the label '(1)' does not start with a letter");
  });

  it('never reads a label as an element from fermium on when its first letter is one', () => {
    for (const symbol of ELEMENT_SYMBOLS.filter((s) => atomicNumber(s)! >= 100 && s.length === 2)) {
      const reading = elementFromLabel(`${symbol}1`);
      const first = symbol[0];
      if ((ELEMENT_SYMBOLS as readonly string[]).includes(first)) expect(reading?.element).toBe(first);
    }
  });
});

describe('labelGuessWarnings', () => {
  const guesses = (labels: string[], from?: 'label' | 'type symbol') => labels.map((label) => ({ label, reading: elementFromLabel(label)!, ...(from ? { from } : {}) }));

  it('is silent when no label needed a guess', () => {
    expect(labelGuessWarnings([{ label: 'Fe1', reading: { element: 'Fe' } }])).toEqual([]);
  });

  it('lists the guessed labels by reading and says hydrogen may be implicit after a water or hydroxyl label', () => {
    expect(labelGuessWarnings(guesses(['Wat', 'Fe1', 'Hw1']))).toEqual([
      "CIF: the elements of 2 sites were guessed from their labels: 'Wat' as O (water oxygen); 'Hw1' as H (water hydrogen); " +
        'hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure (give _atom_site_type_symbol to state each element)',
    ]);
    expect(labelGuessWarnings(guesses(['NO3']))).toEqual([
      "CIF: the element of a site was guessed from its label: 'NO3' as N, not No (give _atom_site_type_symbol to state each element)",
    ]);
  });

  it('lists at most eight labels of a routine reading, then how many more', () => {
    const many = guesses(Array.from({ length: 11 }, (_, i) => `OW${i}`));
    expect(labelGuessWarnings(many)[0]).toMatch(/'OW7', and 3 more as O \(water oxygen\); hydrogen may be implicit/);
  });

  it('names every unusual guess first, however many routine ones come before it', () => {
    const [warning] = labelGuessWarnings(guesses([...Array.from({ length: 12 }, (_, i) => `OW${i + 1}`), 'Cax1', 'Oa2']));
    expect(warning).toMatch(/^CIF: the elements of 14 sites were guessed from their labels: 'Cax1' as Ca; 'Oa2' as O; 'OW1', /);
    expect(warning).toContain('and 4 more as O (water oxygen)');
  });

  it('says a guess came from the type symbol, and gives advice that fits', () => {
    const warnings = labelGuessWarnings([...guesses(['Ow'], 'type symbol'), ...guesses(['Oa1'], 'label')]);
    expect(warnings).toEqual([
      "CIF: the element of a site was guessed from its label: 'Oa1' as O (give _atom_site_type_symbol to state each element)",
      "CIF: the element of a site was guessed from its type symbol, which is not an element symbol: 'Ow' as O (water oxygen); " +
        'hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure (write element symbols in _atom_site_type_symbol to state each element)',
    ]);
  });
});
