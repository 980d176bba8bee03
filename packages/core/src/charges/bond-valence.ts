import type { Structure } from '../base/structure.ts';
import { neighborsWithin } from '../base/neighbors.ts';
import { BV_ELECTRONEGATIVE, BV_PARAMETERS, ICSD_BV_SUMS, PAULING_ELECTRONEGATIVITY } from './bond-valence-data.ts';
import { ICSD_OCCURRENCE } from './oxidation-data.ts';

/** Neighbours within this distance (Å) count towards a site's bond-valence sum. */
const MAX_RADIUS = 4;
/** Distances are stretched by this factor before use, which suits GGA-relaxed cells (pymatgen's default). */
const DISTANCE_SCALE = 1.015;
/** Bond-valence softness b (Å). */
const SOFTNESS = 0.31;
const MAX_PERMUTATIONS = 100_000;

/** Bond-valence sum of one site: cation-anion bonds count positive on the less electronegative side. */
export function bondValenceSum(structure: Structure, site: number): number {
  const el1 = structure.species[site];
  const p1 = BV_PARAMETERS[el1];
  let sum = 0;
  for (const n of neighborsWithin(structure, structure.fracCoords[site], MAX_RADIUS)) {
    const el2 = n.element;
    if (n.distance < 1e-8 || el1 === el2 || !(BV_ELECTRONEGATIVE.has(el1) || BV_ELECTRONEGATIVE.has(el2))) continue;
    const p2 = BV_PARAMETERS[el2];
    const R = p1.r + p2.r - (p1.r * p2.r * (Math.sqrt(p1.c) - Math.sqrt(p2.c)) ** 2) / (p1.c * p1.r + p2.c * p2.r);
    const v = Math.exp((R - n.distance * DISTANCE_SCALE) / SOFTNESS);
    sum += PAULING_ELECTRONEGATIVITY[el1] < PAULING_ELECTRONEGATIVITY[el2] ? v : -v;
  }
  return sum;
}

/** Posterior probability of each oxidation state given the bond-valence sum: ICSD Gaussian likelihood × ICSD frequency. */
function stateProbabilities(element: string, bvSum: number): Map<number, number> {
  const prob = new Map<number, number>();
  for (const [k, [mean, std]] of Object.entries(ICSD_BV_SUMS[element] ?? {})) {
    const state = Number(k);
    prob.set(state, (Math.exp(-((bvSum - mean) ** 2) / 2 / std ** 2) / std) * (ICSD_OCCURRENCE[element]?.[state] ?? 0));
  }
  const total = [...prob.values()].reduce((a, b) => a + b, 0);
  for (const [k, v] of prob) prob.set(k, total > 0 ? v / total : 0);
  return prob;
}

/**
 * Oxidation states from bond valences, the maximum a posteriori assignment of pymatgen's BVAnalyzer:
 * each symmetry-distinct site gets the states whose probability is at least 1 % of its best one,
 * and the charge-neutral combination with the highest product of probabilities wins, provided no
 * element's states on different sites differ by more than one. `orbits` gives, per site, the index
 * of its orbit's representative (every site its own orbit when absent). Returns null when an
 * element has no bond-valence parameters or no assignment balances.
 */
export function bondValenceOxidationStates(structure: Structure, orbits?: number[]): number[] | null {
  if (!structure.species.every((el) => el in BV_PARAMETERS && el in PAULING_ELECTRONEGATIVITY)) return null;
  const byRep = new Map<number, number[]>();
  structure.species.forEach((_, i) => {
    const rep = orbits ? orbits[i] : i;
    if (!byRep.has(rep)) byRep.set(rep, []);
    byRep.get(rep)!.push(i);
  });
  // Most electronegative sites first: anions fix the balance early and prune the search.
  const groups = [...byRep.values()].sort((a, b) => PAULING_ELECTRONEGATIVITY[structure.species[b[0]]] - PAULING_ELECTRONEGATIVITY[structure.species[a[0]]]);

  const probabilities = groups.map((g) => stateProbabilities(structure.species[g[0]], bondValenceSum(structure, g[0])));
  const valences = probabilities.map((prob) => {
    const sorted = [...prob.keys()].sort((a, b) => prob.get(b)! - prob.get(a)!);
    return sorted.filter((v) => prob.get(v)! > 0.01 * prob.get(sorted[0])!);
  });
  if (valences.some((v) => v.length === 0)) return null;

  const counts = groups.map((g) => g.length);
  const vmin = valences.map((v) => Math.min(...v));
  const vmax = valences.map((v) => Math.max(...v));
  let visited = 0;
  let bestScore = 0;
  let best: number[] | null = null;

  const evaluate = (assigned: number[]) => {
    const byElement = new Map<string, number[]>();
    groups.forEach((g, i) => {
      const el = structure.species[g[0]];
      if (!byElement.has(el)) byElement.set(el, []);
      byElement.get(el)!.push(assigned[i]);
    });
    for (const states of byElement.values()) if (Math.max(...states) - Math.min(...states) > 1) return;
    const score = assigned.reduce((p, v, i) => p * probabilities[i].get(v)!, 1);
    if (score > bestScore) {
      bestScore = score;
      best = [...assigned];
    }
  };
  const recurse = (assigned: number[]) => {
    if (visited > MAX_PERMUTATIONS) return;
    const i = assigned.length;
    let highest = 0;
    let lowest = 0;
    for (let k = 0; k < groups.length; k++) {
      highest += (k < i ? assigned[k] : vmax[k]) * counts[k];
      lowest += (k < i ? assigned[k] : vmin[k]) * counts[k];
    }
    if (highest < 0 || lowest > 0) {
      visited++;
      return;
    }
    if (i === groups.length) {
      evaluate(assigned);
      visited++;
      return;
    }
    for (const v of valences[i]) recurse([...assigned, v]);
  };
  recurse([]);

  const found: number[] | null = best;
  if (!found) return null;
  const perSite = new Array<number>(structure.species.length);
  groups.forEach((g, i) => g.forEach((site) => (perSite[site] = found[i])));
  return perSite;
}
