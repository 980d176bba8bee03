import { describe, expect, it } from 'vitest';
import type { Structure } from '../base/structure.ts';
import { bondValenceOxidationStates, bondValenceSum } from './bond-valence.ts';
import { balancedOxidationGuess, balancedSiteStates, hostOxidationStates, icsdOxidationStates, oxidationProbabilities } from './oxidation.ts';

const cell = (species: string[], oxidationStates?: (number | null)[]): Structure => ({
  lattice: { matrix: [[5, 0, 0], [0, 5, 0], [0, 0, 5]] },
  species,
  fracCoords: species.map((_, i) => [i / species.length, 0, 0]),
  oxidationStates,
});

describe('host oxidation states', () => {
  it('uses the input’s own decorations when every site has one', () => {
    const s = hostOxidationStates(cell(['Fe', 'Fe', 'O', 'O', 'O'], [2, 4, -2, -2, -2]));
    expect(s.method).toBe('input');
    expect(s.perSite).toEqual([2, 4, -2, -2, -2]);
    expect(s.byElement).toEqual({ Fe: 3, O: -2 });
  });

  it('ranks charge-balanced compositions by ICSD frequency, as pymatgen’s guesser does', () => {
    const guess = (formula: [string, number][]) => balancedOxidationGuess(new Map(formula), icsdOxidationStates);
    expect(guess([['Cd', 1], ['Te', 1]])).toEqual({ Cd: 2, Te: -2 });
    expect(guess([['Ga', 1], ['N', 1]])).toEqual({ Ga: 3, N: -3 });
    expect(guess([['Ti', 1], ['O', 2]])).toEqual({ Ti: 4, O: -2 });
    expect(guess([['Sr', 1], ['Ti', 1], ['O', 3]])).toEqual({ Sr: 2, Ti: 4, O: -2 });
    expect(guess([['Al', 2], ['O', 3]])).toEqual({ Al: 3, O: -2 });
    // Magnetite balances only with Fe at 8/3 on average.
    expect(guess([['Fe', 3], ['O', 4]])).toEqual({ Fe: 8 / 3, O: -2 });
  });

  it('uses the composition guess for hosts bond valences cannot treat', () => {
    // No bond-valence parameters for Pt; its common states (2, 4) stand in for ICSD ones.
    const s = hostOxidationStates(cell(['Pt', 'O', 'O']));
    expect(s.method).toBe('icsd_probability');
    expect(s.byElement).toEqual({ Pt: 4, O: -2 });
    // A decoration on only some sites is not used.
    expect(hostOxidationStates(cell(['Pt', 'O', 'O'], [4, null, -2])).method).toBe('icsd_probability');
  });

  it('makes a one-element host neutral, as doped does', () => {
    expect(hostOxidationStates(cell(['Cu', 'Cu'])).byElement).toEqual({ Cu: 0 });
  });

  it('gives metals and intermetallics 0 on every site, as doped does for AgCu', () => {
    // Ag and Cu have only positive states: nothing balances, and both are metals.
    const s = hostOxidationStates(cell(['Ag', 'Cu', 'Ag', 'Cu']));
    expect(s.method).toBe('metallic');
    expect(s.perSite).toEqual([0, 0, 0, 0]);
    expect(s.byElement).toEqual({ Ag: 0, Cu: 0 });
    expect(s.warnings).toEqual([]);
  });

  it('balances mixed valence with one integer state per symmetry-distinct site', () => {
    // Pt3O4 balances only with Pt at 8/3 on average: the site of one Pt gets Pt4+, the orbit of two Pt2+.
    // (Pt has no bond-valence parameters, so the composition guess is what decides.)
    const s = hostOxidationStates(cell(['Pt', 'Pt', 'Pt', 'O', 'O', 'O', 'O']), { orbits: [0, 1, 1, 3, 3, 3, 3] });
    expect(s.method).toBe('icsd_probability');
    expect(s.perSite).toEqual([4, 2, 2, -2, -2, -2, -2]);
    expect(s.perSite!.reduce((a, b) => a + b, 0)).toBe(0);
    // With every Pt on one orbit no integer assignment balances, and with O present the host is no metal.
    expect(hostOxidationStates(cell(['Pt', 'Pt', 'Pt', 'O', 'O', 'O', 'O']), { orbits: [0, 0, 0, 3, 3, 3, 3] }).method).toBe('none');
  });

  it('takes each element’s most common state only when it balances', () => {
    // Fe182·Os·O275: the composition search is too large (C(185,3) Fe multisets) and is skipped; Os has
    // no bond-valence parameters. Fe3+, Os4+ (its common state) and O2- balance: 546 + 4 − 550 = 0.
    const species = (o: number) => [...Array(182).fill('Fe'), 'Os', ...Array(o).fill('O')];
    const balanced = hostOxidationStates(cell(species(275)));
    expect(balanced.method).toBe('most_common');
    expect(balanced.byElement).toEqual({ Fe: 3, Os: 4, O: -2 });
    // One oxygen fewer and the same states leave +2: not used.
    expect(hostOxidationStates(cell(species(274))).method).toBe('none');
  });

  it('finds none, with a warning, when nothing balances and the host is no metal', () => {
    // Os (no ICSD entries, no bond-valence parameters; common state 4) cannot balance Os3O4.
    const s = hostOxidationStates(cell(['Os', 'Os', 'Os', 'O', 'O', 'O', 'O']));
    expect(s.method).toBe('none');
    expect(s.perSite).toBeNull();
    expect(s.byElement).toEqual({});
    expect(s.warnings[0]).toMatch(/no charge-balanced oxidation states found for Os-O.*every defect gets charge states -1, 0, \+1/);
  });
});

describe('charge-balanced states per site', () => {
  it('puts Sn2+ and Sn4+ on different sites of Sn5O6 (one Sn site, a four-fold Sn site, O)', () => {
    expect(balancedSiteStates([{ element: 'Sn', count: 2 }, { element: 'Sn', count: 8 }, { element: 'O', count: 12 }], icsdOxidationStates)).toEqual([4, 2, -2]);
  });
  it('gives magnetite Fe3+ on the tetrahedral 8a and Fe2+/Fe3+ only where they balance', () => {
    // conventional spinel cell: Fe 8a, Fe 16d, O 32e; 8·s + 16·t = 64 with the ICSD's Fe states
    const states = balancedSiteStates([{ element: 'Fe', count: 8 }, { element: 'Fe', count: 16 }, { element: 'O', count: 32 }], icsdOxidationStates)!;
    expect(8 * states[0] + 16 * states[1] - 64).toBe(0);
    expect(states[2]).toBe(-2);
  });
  it('returns null when no assignment balances or the search is too large', () => {
    expect(balancedSiteStates([{ element: 'Sn', count: 5 }, { element: 'O', count: 6 }], icsdOxidationStates)).toBeNull();
    expect(balancedSiteStates([{ element: 'Sn', count: 1 }, { element: 'Sn', count: 4 }, { element: 'O', count: 6 }], icsdOxidationStates, 3)).toBeNull();
  });
});

describe('oxidation-state data', () => {
  it('weighs Te’s states by ICSD counts (749 Te2-, 582 Te4+, 187 Te6+ of 1679 non-zero entries)', () => {
    const p = oxidationProbabilities('Te').probabilities;
    expect(p.get(-2)).toBe(0.446);
    expect(p.get(4)).toBe(0.347);
    expect(p.get(6)).toBe(0.111);
  });
  it('falls back to common states for elements without ICSD entries', () => {
    expect(oxidationProbabilities('Au')).toEqual({ probabilities: new Map([[3, 1]]), fromIcsd: false });
    expect(oxidationProbabilities('He').probabilities).toEqual(new Map([[0, 1]]));
  });
  it('lists states with at least 10 entries and 1 % of the element’s entries', () => {
    expect(icsdOxidationStates('Cd')).toEqual([2]);
    expect(icsdOxidationStates('O')).toEqual([-2]);
    // Fe: 12 Fe+, 340 Fe2+, 549 Fe3+, 14 Fe4+, 2 Fe5+, 4 Fe6+ of 921 non-zero entries.
    expect(icsdOxidationStates('Fe')).toEqual([1, 2, 3, 4]);
  });
});

describe('bond valences', () => {
  // Rock-salt MgO, a = 4.212 Å, primitive cell.
  const a = 4.212;
  const mgo: Structure = {
    lattice: { matrix: [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]] },
    species: ['Mg', 'O'],
    fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]],
  };

  it('sums O’Keeffe–Brese bond valences within 4 Å', () => {
    // R(Mg–O) = 1.21 + 0.63 − 1.21·0.63·(√1.23 − √3.15)² / (1.23·1.21 + 3.15·0.63) = 1.7427 Å; bonds are
    // stretched by 1.015: six O at 2.106 Å give 6·e^(−1.2738) = 1.6786, eight at 3.648 Å 8·e^(−6.3226) = 0.0143.
    expect(bondValenceSum(mgo, 0)).toBeCloseTo(1.6929, 3);
    expect(bondValenceSum(mgo, 1)).toBeCloseTo(-1.6929, 3);
  });

  it('assign the charge-neutral states they make most likely, before any composition guess', () => {
    expect(bondValenceOxidationStates(mgo)).toEqual([2, -2]);
    expect(hostOxidationStates(mgo).method).toBe('bond_valence');
    // No bond-valence parameters for Pt: the composition guess takes over.
    expect(bondValenceOxidationStates({ ...mgo, species: ['Pt', 'O'] })).toBeNull();
  });
});
