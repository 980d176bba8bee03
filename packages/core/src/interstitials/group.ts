import type { Vec3 } from '../base/linalg.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { Admissible } from './candidates.ts';
import type { ClusterChoice } from './cluster.ts';
import { nearestImage } from './min-image.ts';
import type { HostEnvironment } from './environment.ts';
import { preferred } from './preference.ts';
import { compareSites } from './rank.ts';
import { type SiteCandidate, placeOnSymmetry } from './reduce.ts';

/** A site that knows whether it is a fixed-coordinate Wyckoff position (its letter) or not (null). */
export type GroupedSite = SiteCandidate & { fixed: string | null };

/**
 * doped's `get_stol_equiv_dist`: a StructureMatcher site tolerance as a distance, Å: `stol` times
 * the host's free length per atom, (V / N)^(1/3) (V in Å³, N atoms of the cell).
 */
export function stolDistance(stol: number, volume: number, atoms: number): number {
  return stol * Math.cbrt(volume / Math.max(1, atoms));
}

/** doped's `stol` default in `get_interstitial_sites`: sites grouped within this × (V / N)^(1/3) Å are one site. */
export const LOOSE_STOL = 0.32;
/** doped's `tight_stol` default: a site within this × (V / N)^(1/3) Å of an orbit already kept is that orbit. */
export const TIGHT_STOL = 0.02;

/** Whether two sites may share a group: not when both are fixed-coordinate Wyckoff positions of different letters (`fixed`, e.g. '6b'). */
export function mayMerge(a: { fixed: string | null }, b: { fixed: string | null }): boolean {
  return a.fixed === null || b.fixed === null || a.fixed === b.fixed;
}

/**
 * The clusters' choices made into symmetry-distinct sites, doped's second stage in
 * `get_interstitial_sites` (doped/generation.py):
 * 1. each choice is moved onto its exact special position (within symprec) and given its orbit
 *    in the primitive cell (one offered already placed keeps its own); one moved whose clearance
 *    then fails `admissible` is dropped, and one lying
 *    within `tightDistance` Å of an orbit already kept is that orbit (doped: `tight_stol`);
 * 2. sites are grouped greedily: each joins the first group whose first site's orbit passes
 *    within `looseDistance` Å of it (doped: `stol`, measured against the first site only so that
 *    groups do not chain), else opens a group; each group is represented by doped's preference
 *    (preference.ts), symmetry meaning the site-symmetry order (doped: the smaller multiplicity).
 *
 * Differences from doped: sites are grouped in a canonical order, the most symmetric first (then
 * the roomiest, then by coordinates), where doped takes scipy's cluster numbering; and a site never
 * joins a group holding a fixed-coordinate Wyckoff position of another letter than its own
 * (`fixedLetter` of its exact position), trying the next group instead.
 *
 * Coordinates are fractional coordinates of analysis.primitive; distances in Å.
 */
export function groupByOrbit(
  choices: ClusterChoice[],
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  admissible: Admissible,
  fixedLetter: (frac: Vec3) => string | null,
  tightDistance: number,
  looseDistance: number,
): GroupedSite[] {
  const ordered = [...choices].sort((a, b) => compareSites(a, b));
  const distinct: GroupedSite[] = [];
  // Clearance changes by at most the distance moved: only sites of about the same clearance can be within tightDistance.
  const known = (frac: Vec3, radius: number) =>
    distinct.some((d) => Math.abs(d.radius - radius) <= tightDistance + 1e-9 && orbitDistance(env, frac, d) <= tightDistance);
  for (const choice of ordered) {
    if (known(choice.fracCoords, choice.radius)) continue;
    // A fixed position kept as it was offered is already placed.
    const placed = choice.placed ?? placeOnSymmetry(analysis, choice.fracCoords, analysis.symprec);
    const radius = choice.placed ? choice.radius : env.nearestDistance(placed.fracCoords);
    // A point offered already placed was checked by whoever found it (adsorption sites lie in the vacuum).
    if ((!choice.placed && !admissible(placed.fracCoords, radius)) || known(placed.fracCoords, radius)) continue;
    distinct.push({
      fracCoords: placed.fracCoords,
      order: placed.order,
      orbit: placed.orbit,
      radius,
      source: choice.source,
      fixed: choice.placed ? choice.fixed : fixedLetter(placed.fracCoords),
    });
  }

  // Most symmetric first: a group's first site is then the one doped's preference favours.
  distinct.sort((a, b) => b.order - a.order || compareSites(a, b));
  const groups: GroupedSite[][] = [];
  for (const site of distinct) {
    const group = groups.find((g) => g.every((m) => mayMerge(m, site)) && orbitDistance(env, site.fracCoords, g[0]) < looseDistance);
    if (group) group.push(site);
    else groups.push([site]);
  }
  return groups.map((g) => preferred(g));
}

/**
 * Our guarantee on top of doped's stages: no two sites closer than `tol` Å (the shortest distance
 * between their orbits), unless both are fixed-coordinate Wyckoff positions. doped's grouping
 * compares each site with a group's first site only, so two groups' representatives can end up
 * closer than either tolerance; such a pair is resolved by doped's preference (preference.ts),
 * the closest pairs first. Returns the kept sites in their given order.
 */
export function separate(sites: GroupedSite[], env: HostEnvironment, tol: number): GroupedSite[] {
  const pairs: { i: number; j: number; d: number }[] = [];
  for (let i = 0; i < sites.length; i++)
    for (let j = i + 1; j < sites.length; j++) {
      if (sites[i].fixed !== null && sites[j].fixed !== null) continue;
      const d = orbitDistance(env, sites[i].fracCoords, sites[j]);
      if (d < tol) pairs.push({ i, j, d });
    }
  pairs.sort((p, q) => p.d - q.d || p.i - q.i || p.j - q.j);
  const alive = sites.map(() => true);
  for (const { i, j } of pairs) {
    if (!alive[i] || !alive[j]) continue;
    const keep = preferred([sites[i], sites[j]]);
    alive[keep === sites[i] ? j : i] = false;
  }
  return sites.filter((_, k) => alive[k]);
}

/**
 * Shortest distance (Å) from the fractional point `frac` to any point of the site's orbit, over
 * periodic images: by symmetry, the shortest distance between the point's orbit and the site's.
 */
export function orbitDistance(env: HostEnvironment, frac: Vec3, site: { orbit: Vec3[] }): number {
  const scratch = new Float64Array(3);
  let best = Infinity;
  for (const p of site.orbit) best = Math.min(best, nearestImage(env, frac, p, scratch));
  return Math.sqrt(best);
}
