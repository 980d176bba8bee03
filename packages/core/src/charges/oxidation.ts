import type { Structure } from '../base/structure.ts';
import { bondValenceOxidationStates } from './bond-valence.ts';
import { COMMON_OXIDATION_STATES, ICSD_OCCURRENCE } from './oxidation-data.ts';

export type OxidationMethod = 'input' | 'bond_valence' | 'icsd_probability' | 'most_common' | 'elemental';

export interface HostOxidationStates {
  /** Oxidation state of every site of the structure. */
  perSite: number[];
  /** One state per element (the mean over its sites when the input decorated them differently). */
  byElement: Record<string, number>;
  method: OxidationMethod;
  warnings: string[];
}

/** Elements in order of first appearance, the order formulas and groups use. */
export function elementOrder(structure: Structure): string[] {
  return [...new Set(structure.species)];
}

/**
 * The element's oxidation states weighted by how often the ICSD shows them (non-zero states, rounded
 * to 3 decimals like doped does); elements without ICSD entries get their common states with equal
 * weight, and elements with none at all the single state 0.
 */
export function oxidationProbabilities(element: string): { probabilities: Map<number, number>; fromIcsd: boolean } {
  const occurrence = ICSD_OCCURRENCE[element];
  if (occurrence) {
    const entries = Object.entries(occurrence).map(([k, v]) => [Number(k), v] as const);
    const total = entries.reduce((s, [, v]) => s + v, 0);
    return { probabilities: new Map(entries.map(([k, v]) => [k, Math.round((v / total) * 1000) / 1000])), fromIcsd: true };
  }
  const common = COMMON_OXIDATION_STATES[element] ?? [];
  if (common.length > 0) return { probabilities: new Map(common.map((s) => [s, 1 / common.length])), fromIcsd: false };
  return { probabilities: new Map([[0, 1]]), fromIcsd: false };
}

/**
 * States seen in at least 10 ICSD entries and at least 1 % of the element's entries (pymatgen's
 * definition of an element's "ICSD oxidation states"), in ascending order; common states otherwise.
 */
export function icsdOxidationStates(element: string): number[] {
  const occurrence = ICSD_OCCURRENCE[element];
  if (!occurrence) return [...(COMMON_OXIDATION_STATES[element] ?? [])].sort((a, b) => a - b);
  const entries = Object.entries(occurrence).map(([k, v]) => [Number(k), v] as const);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  return entries
    .filter(([, v]) => v >= 10 && v / total >= 0.01)
    .map(([k]) => k)
    .sort((a, b) => a - b);
}

/** The state the ICSD shows most often (ties: the smaller magnitude), else the first common state. */
export function mostCommonOxidationState(element: string): number {
  const occurrence = ICSD_OCCURRENCE[element];
  if (occurrence) {
    let best = 0;
    let bestCount = -1;
    for (const [k, v] of Object.entries(occurrence)) {
      const s = Number(k);
      if (v > bestCount || (v === bestCount && Math.abs(s) < Math.abs(best))) {
        best = s;
        bestCount = v;
      }
    }
    return best;
  }
  return COMMON_OXIDATION_STATES[element]?.[0] ?? 0;
}

function occurrenceOf(element: string, state: number): number {
  return ICSD_OCCURRENCE[element]?.[state] ?? 0;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Number of multisets of size k from n states: the work the balance search would do for one element. */
function multisetCount(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n + i - 1)) / i;
  return c;
}

/**
 * Charge-balanced oxidation states of a composition ranked by ICSD frequency, the way pymatgen's
 * `Composition.oxi_state_guesses` ranks them: every multiset of allowed states per element scores the
 * summed ICSD counts of its members, the best multiset per element sum is kept, and the balanced
 * combinations are ordered by total score. Returns the best average state per element, or null.
 */
export function balancedOxidationGuess(
  amounts: Map<string, number>,
  allowedStates: (element: string) => number[],
  maxWork = 1e6,
): Record<string, number> | null {
  const elements = [...amounts.keys()];
  const perElement: { sums: number[]; score: Map<number, number> }[] = [];
  let work = 1;
  for (const el of elements) work *= multisetCount(Math.max(1, allowedStates(el).length), amounts.get(el)!);
  if (work > maxWork) return null;

  for (const el of elements) {
    const states = allowedStates(el);
    const n = amounts.get(el)!;
    const sums: number[] = [];
    const score = new Map<number, number>();
    const walk = (start: number, left: number, sum: number, sc: number) => {
      if (left === 0) {
        if (!score.has(sum)) {
          sums.push(sum);
          score.set(sum, sc);
        } else if (sc > score.get(sum)!) score.set(sum, sc);
        return;
      }
      for (let i = start; i < states.length; i++) walk(i, left - 1, sum + states[i], sc + occurrenceOf(el, states[i]));
    };
    if (states.length > 0) walk(0, n, 0, 0);
    perElement.push({ sums, score });
  }

  let best: { score: number; sums: number[] } | null = null;
  const pick: number[] = new Array(elements.length).fill(0);
  const visit = (i: number, total: number, sc: number) => {
    if (i === elements.length) {
      // Strictly greater keeps the first best in enumeration order, as a stable descending sort does.
      if (total === 0 && (best === null || sc > best.score)) best = { score: sc, sums: [...pick] };
      return;
    }
    for (const s of perElement[i].sums) {
      pick[i] = s;
      visit(i + 1, total + s, sc + perElement[i].score.get(s)!);
    }
  };
  visit(0, 0, 0);
  if (best === null) return null;
  const found: { score: number; sums: number[] } = best;
  return Object.fromEntries(elements.map((el, i) => [el, found.sums[i] / amounts.get(el)!]));
}

function reducedAmounts(structure: Structure): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of structure.species) counts.set(s, (counts.get(s) ?? 0) + 1);
  const g = [...counts.values()].reduce((a, b) => gcd(a, b), 0) || 1;
  return new Map([...counts].map(([el, n]) => [el, n / g]));
}

function isWhole(values: Record<string, number>): boolean {
  return Object.values(values).every((v) => Number.isInteger(v));
}

/**
 * Oxidation states of the host, settled before guessing charge states: the input's own decorations
 * when every site carries one; otherwise bond valences (per symmetry-distinct site, given `orbits`,
 * the per-site orbit representatives); otherwise the charge-balanced assignment the ICSD makes most
 * likely (first from each element's ICSD states, then also its common states); failing that, each
 * element's most common state (with a warning). A one-element host is neutral, as in doped.
 */
export function hostOxidationStates(structure: Structure, orbits?: number[]): HostOxidationStates {
  const elements = elementOrder(structure);
  const decorated = structure.oxidationStates;
  if (decorated && decorated.length === structure.species.length && decorated.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const perSite = decorated as number[];
    const byElement: Record<string, number> = {};
    for (const el of elements) {
      const values = perSite.filter((_, i) => structure.species[i] === el);
      byElement[el] = values.reduce((a, b) => a + b, 0) / values.length;
    }
    return { perSite: [...perSite], byElement, method: 'input', warnings: [] };
  }

  const fromElements = (byElement: Record<string, number>, method: OxidationMethod, warnings: string[]): HostOxidationStates => ({
    perSite: structure.species.map((s) => byElement[s]),
    byElement,
    method,
    warnings,
  });

  if (elements.length === 1) return fromElements({ [elements[0]]: 0 }, 'elemental', []);

  const bv = bondValenceOxidationStates(structure, orbits);
  if (bv && bv.some((v) => v !== 0)) {
    const byElement: Record<string, number> = {};
    for (const el of elements) {
      const values = bv.filter((_, i) => structure.species[i] === el);
      byElement[el] = values.reduce((a, b) => a + b, 0) / values.length;
    }
    return { perSite: bv, byElement, method: 'bond_valence', warnings: [] };
  }

  const amounts = reducedAmounts(structure);
  const attempts: ((el: string) => number[])[] = [
    icsdOxidationStates,
    (el) => [...new Set([...icsdOxidationStates(el), ...(COMMON_OXIDATION_STATES[el] ?? [])])].sort((a, b) => a - b),
  ];
  for (const allowed of attempts) {
    const guess = balancedOxidationGuess(amounts, allowed);
    if (guess && isWhole(guess) && Object.values(guess).some((v) => v !== 0)) {
      return fromElements(guess, 'icsd_probability', []);
    }
  }
  const fallback = Object.fromEntries(elements.map((el) => [el, mostCommonOxidationState(el)]));
  return fromElements(fallback, 'most_common', [
    `no charge-balanced integer oxidation states found for ${elements.join('-')}; using each element's most common state (${elements
      .map((el) => `${el}${fallback[el] >= 0 ? '+' : ''}${fallback[el]}`)
      .join(', ')}), so the guessed charge states deserve a check`,
  ]);
}
