import type { Vec3 } from '../base/linalg.ts';
import type { HostEnvironment } from './environment.ts';
import type { SiteCandidate } from './reduce.ts';
import { compareSites } from './rank.ts';

/** Candidates closer than this (Å) are one site. */
export const CLUSTER_TOLERANCE = 0.8;
/**
 * doped's rule: a cluster is represented by its most symmetric member unless that member's distance
 * to the nearest host atom falls below this fraction of the roomiest member's.
 */
export const SYMMETRY_PREFERENCE = 0.85;

/**
 * Merges candidate orbits lying within `tol` Å of each other into one site each.
 *
 * Works on whole orbits, greedily from the roomiest down. Each unclaimed orbit (the seed) claims
 * an unclaimed orbit if the points of both around the seed's representative form a closed group
 * within `tol` of one another: every point of the claimed orbits within `tol` of a group member is
 * in the group, and all group members are within `tol` of each other (complete linkage). Three
 * vertices 0.4 Å apart around a three-fold axis and the point on the axis are one site; BCC's
 * octahedral site, flanked by tetrahedral sites 0.72 Å away on opposite sides that are 1.43 Å from
 * each other, is a site of its own rather than a blur of either. Chaining neighbour to neighbour
 * (single linkage) would instead collapse whole networks of such sites into one.
 */
export function clusterCandidates(candidates: SiteCandidate[], env: HostEnvironment, tol = CLUSTER_TOLERANCE): SiteCandidate[] {
  const order = candidates.map((_, i) => i).sort((i, j) => compareSites(candidates[i], candidates[j]));
  const claimed = new Array<boolean>(candidates.length).fill(false);
  const sites: SiteCandidate[] = [];
  for (const seedIndex of order) {
    if (claimed[seedIndex]) continue;
    claimed[seedIndex] = true;
    const seed = candidates[seedIndex];
    const members = [seed];
    let group = closedGroup(env, members, [env.toCart(seed.fracCoords)], tol);
    for (const other of order) {
      if (claimed[other] || group === null) continue;
      const near = group.flatMap((p) => pointsNear(env, candidates[other], p, tol));
      if (near.length === 0) continue;
      const grown = closedGroup(env, [...members, candidates[other]], [...group, ...near], tol);
      if (grown === null) continue;
      claimed[other] = true;
      members.push(candidates[other]);
      group = grown;
    }
    sites.push(representative(members));
  }
  return sites;
}

/** Largest group of points examined before a cluster is declared too spread out to be one site. */
const MAX_GROUP = 96;

/**
 * The points of `orbits` reachable from `start` in steps shorter than `tol`, if they are all within
 * `tol` of one another; null otherwise.
 */
function closedGroup(env: HostEnvironment, orbits: SiteCandidate[], start: Vec3[], tol: number): Vec3[] | null {
  const group: Vec3[] = [];
  const add = (p: Vec3) => {
    if (group.some((q) => distance(p, q) < 1e-6)) return false;
    group.push(p);
    return true;
  };
  start.forEach(add);
  for (let i = 0; i < group.length; i++) {
    if (group.length > MAX_GROUP) return null;
    for (const orbit of orbits) for (const p of pointsNear(env, orbit, group[i], tol)) add(p);
  }
  for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) if (distance(group[i], group[j]) > tol) return null;
  return group;
}

/** Cartesian positions of the orbit's points within `tol` of `centre`, each as its image nearest to it. */
function pointsNear(env: HostEnvironment, candidate: SiteCandidate, centre: Vec3, tol: number): Vec3[] {
  const out: Vec3[] = [];
  const from = env.toFrac(centre);
  for (const m of candidate.orbit) {
    const d: Vec3 = [m[0] - from[0], m[1] - from[1], m[2] - from[2]];
    for (let i = 0; i < 3; i++) d[i] -= Math.round(d[i]);
    for (let i = -1; i <= 1; i++)
      for (let j = -1; j <= 1; j++)
        for (let k = -1; k <= 1; k++) {
          const c = env.toCart([d[0] + i, d[1] + j, d[2] + k]);
          if (Math.hypot(c[0], c[1], c[2]) <= tol) out.push([centre[0] + c[0], centre[1] + c[1], centre[2] + c[2]]);
        }
  }
  return out;
}

function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** The most symmetric member whose clearance is at least SYMMETRY_PREFERENCE of the roomiest member's (the first). */
export function representative(members: SiteCandidate[]): SiteCandidate {
  const roomiest = members[0];
  let best = roomiest;
  for (const m of members) {
    if (m.radius < SYMMETRY_PREFERENCE * roomiest.radius - 1e-9) continue;
    if (m.order > best.order) best = m;
  }
  return best;
}
