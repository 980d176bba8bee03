import { isMetal } from '../base/elements.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { bondValenceOxidationStates } from './bond-valence.ts';
import { COMMON_OXIDATION_STATES, ICSD_OCCURRENCE } from './oxidation-data.ts';

/**
 * Which rule gave the host's oxidation states (see `hostOxidationStates`): the input's own
 * decorations, a one-element host, bond valences, the most probable charge-balanced combination,
 * each element's most common state, a metal or intermetallic (all 0), or none at all.
 */
export type OxidationMethod = 'input' | 'elemental' | 'bond_valence' | 'icsd_probability' | 'most_common' | 'metallic' | 'none';

export interface HostOxidationStates {
  /** Oxidation state of every site of the structure (electrons given away); null when none could be found. */
  perSite: number[] | null;
  /** One state per element (the mean over its sites when they differ); empty when none could be found. */
  byElement: Record<string, number>;
  method: OxidationMethod;
  warnings: string[];
}

/** What the symmetry analysis tells the guess: per input site, its orbit's first site and its Wyckoff label. */
export interface SiteSymmetry {
  orbits: number[];
  sites?: { wyckoff: string; conventionalFracCoords: Vec3 }[];
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

/**
 * The most probable charge-balanced assignment of one integer state per symmetry-distinct site (an
 * orbit), for mixed-valence hosts where no single state per element balances (Sn5O6: Sn2+ and
 * Sn4+ on different sites; magnetite: Fe2+ and Fe3+). Scored like `balancedOxidationGuess`, by the
 * summed ICSD counts of the sites' states; found by dynamic programming over the running charge.
 * `groups` are the orbits (element and site count) in a canonical order, which breaks ties.
 * Returns one state per group, or null when none balances or the search would exceed `maxWork` steps.
 */
export function balancedSiteStates(
  groups: { element: string; count: number }[],
  allowedStates: (element: string) => number[],
  maxWork = 2e6,
): number[] | null {
  const g = groups.reduce((a, o) => gcd(a, o.count), 0) || 1;
  const weights = groups.map((o) => o.count / g);
  // Preferred states first (most frequent, then smallest magnitude): equal scores keep the first found.
  const states = groups.map((o) =>
    [...allowedStates(o.element)].sort((a, b) => occurrenceOf(o.element, b) - occurrenceOf(o.element, a) || Math.abs(a) - Math.abs(b) || a - b),
  );
  if (states.some((s) => s.length === 0)) return null;
  // Charge still reachable by the groups after each index: prunes sums that can no longer return to 0.
  const low = new Array<number>(groups.length + 1).fill(0);
  const high = new Array<number>(groups.length + 1).fill(0);
  for (let i = groups.length - 1; i >= 0; i--) {
    low[i] = low[i + 1] + weights[i] * Math.min(...states[i]);
    high[i] = high[i + 1] + weights[i] * Math.max(...states[i]);
  }
  type Step = { score: number; previous: number; state: number };
  const levels: Map<number, Step>[] = [new Map([[0, { score: 0, previous: 0, state: 0 }]])];
  let work = 0;
  for (let i = 0; i < groups.length; i++) {
    const next = new Map<number, Step>();
    for (const [sum, step] of levels[i]) {
      for (const state of states[i]) {
        if (++work > maxWork) return null;
        const total = sum + weights[i] * state;
        if (total + low[i + 1] > 0 || total + high[i + 1] < 0) continue;
        const score = step.score + weights[i] * occurrenceOf(groups[i].element, state);
        const seen = next.get(total);
        if (!seen || score > seen.score) next.set(total, { score, previous: sum, state });
      }
    }
    levels.push(next);
  }
  if (!levels[groups.length].has(0)) return null;
  const out = new Array<number>(groups.length);
  let sum = 0;
  for (let i = groups.length; i > 0; i--) {
    const step = levels[i].get(sum)!;
    out[i - 1] = step.state;
    sum = step.previous;
  }
  return out;
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
 * Oxidation states of the host, settled before guessing charge states, by the first rule that gives
 * a charge-balanced answer:
 * 1. the input's own decorations, when every site carries one (as doped);
 * 2. a one-element host is neutral (as doped);
 * 3. bond valences (pymatgen's BVAnalyzer, as doped tries first), per symmetry-distinct site;
 * 4. the most probable charge-balanced combination (pymatgen's `oxi_state_guesses` ranking, as doped
 *    tries next), first from each element's ICSD states, then also its common ones; when the best
 *    one is balanced only with a fractional state per element (mixed valence, which doped cannot
 *    use), the most probable balanced assignment of one integer state per symmetry-distinct site;
 * 5. each element's most common state, only if that balances;
 * 6. a metal or intermetallic (every element a metal) gets 0 on every site: this is what doped
 *    ends up with for AgCu, where no balanced combination exists;
 * 7. otherwise none (`perSite` null), with a warning: every defect then gets charges −1, 0, +1.
 * doped differs in 5–7: its last resort is each element's most common state whether or not it
 * balances (Sn5O6 gets Sn4+ everywhere, +8 per formula unit), and a host of any kind with no
 * balanced combination gets 0 everywhere.
 */
export function hostOxidationStates(structure: Structure, symmetry?: SiteSymmetry): HostOxidationStates {
  const orbits = symmetry?.orbits;
  const elements = elementOrder(structure);
  const decorated = structure.oxidationStates;
  if (decorated && decorated.length === structure.species.length && decorated.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return fromSites(structure, decorated as number[], 'input');
  }

  const fromElements = (byElement: Record<string, number>, method: OxidationMethod): HostOxidationStates => ({
    perSite: structure.species.map((s) => byElement[s]),
    byElement,
    method,
    warnings: [],
  });

  if (elements.length === 1) return fromElements({ [elements[0]]: 0 }, 'elemental');

  const bv = bondValenceOxidationStates(structure, orbits);
  if (bv && bv.some((v) => v !== 0) && bv.reduce((a, b) => a + b, 0) === 0) return fromSites(structure, bv, 'bond_valence');

  const amounts = reducedAmounts(structure);
  const attempts: ((el: string) => number[])[] = [
    icsdOxidationStates,
    (el) => [...new Set([...icsdOxidationStates(el), ...(COMMON_OXIDATION_STATES[el] ?? [])])].sort((a, b) => a - b),
  ];
  for (const allowed of attempts) {
    const guess = balancedOxidationGuess(amounts, allowed);
    if (!guess || !Object.values(guess).some((v) => v !== 0)) continue;
    if (isWhole(guess)) return fromElements(guess, 'icsd_probability');
    const sites = mixedValenceStates(structure, symmetry, allowed);
    if (sites) return fromSites(structure, sites, 'icsd_probability');
  }

  const common = Object.fromEntries(elements.map((el) => [el, mostCommonOxidationState(el)]));
  const charge = structure.species.reduce((sum, el) => sum + common[el], 0);
  if (charge === 0 && Object.values(common).some((v) => v !== 0)) return fromElements(common, 'most_common');

  if (elements.every(isMetal)) return fromElements(Object.fromEntries(elements.map((el) => [el, 0])), 'metallic');

  return {
    perSite: null,
    byElement: {},
    method: 'none',
    warnings: [
      `no charge-balanced oxidation states found for ${elements.join('-')} (bond valences, ICSD-probable combinations and each element's most common state all fail to balance, and it is not a metal): every defect gets charge states -1, 0, +1; set oxidation states in the input (e.g. a pymatgen JSON with decorated species) to guess them properly`,
    ],
  };
}

/** Per-site states, and the mean per element. */
function fromSites(structure: Structure, perSite: number[], method: OxidationMethod): HostOxidationStates {
  const byElement: Record<string, number> = {};
  for (const el of elementOrder(structure)) {
    const values = perSite.filter((_, i) => structure.species[i] === el);
    byElement[el] = values.reduce((a, b) => a + b, 0) / values.length;
  }
  return { perSite: [...perSite], byElement, method, warnings: [] };
}

/**
 * One integer state per orbit (see balancedSiteStates), spread over the orbit's sites. Orbits are
 * ordered by element, Wyckoff label and conventional coordinates when the labels are known, so the
 * tie-break never depends on the order of atoms in the file.
 */
function mixedValenceStates(structure: Structure, symmetry: SiteSymmetry | undefined, allowed: (el: string) => number[]): number[] | null {
  const orbits = symmetry?.orbits ?? structure.species.map((_, i) => i);
  const reps = [...new Set(orbits)];
  const count = new Map<number, number>();
  for (const o of orbits) count.set(o, (count.get(o) ?? 0) + 1);
  const labels = symmetry?.sites;
  const compare = (a: number, b: number): number => {
    const ea = structure.species[a];
    const eb = structure.species[b];
    if (ea !== eb) return ea < eb ? -1 : 1;
    if (!labels) return a - b;
    const wa = labels[a].wyckoff;
    const wb = labels[b].wyckoff;
    const byLabel = parseInt(wa, 10) - parseInt(wb, 10) || (wa < wb ? -1 : wa > wb ? 1 : 0);
    if (byLabel !== 0) return byLabel;
    for (let k = 0; k < 3; k++) {
      const d = labels[a].conventionalFracCoords[k] - labels[b].conventionalFracCoords[k];
      if (Math.abs(d) > 1e-6) return d;
    }
    return a - b;
  };
  reps.sort(compare);
  const states = balancedSiteStates(
    reps.map((r) => ({ element: structure.species[r], count: count.get(r)! })),
    allowed,
  );
  if (!states) return null;
  const byRep = new Map(reps.map((r, i) => [r, states[i]]));
  return orbits.map((o) => byRep.get(o)!);
}
