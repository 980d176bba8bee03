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
 * Works on whole orbits, so the result does not depend on which member of an orbit is met first,
 * and greedily from the roomiest down: each unclaimed orbit (the seed) claims every unclaimed orbit
 * passing within `tol` of its representative, and the cluster is represented by doped's rule.
 * Measuring from the seed rather than chaining neighbour to neighbour keeps a cluster at most
 * 2·tol across, so a network of close vertices cannot collapse into a single site.
 */
export function clusterCandidates(candidates: SiteCandidate[], env: HostEnvironment, tol = CLUSTER_TOLERANCE): SiteCandidate[] {
  const order = candidates.map((_, i) => i).sort((i, j) => compareSites(candidates[i], candidates[j]));
  const claimed = new Array<boolean>(candidates.length).fill(false);
  const sites: SiteCandidate[] = [];
  for (const seedIndex of order) {
    if (claimed[seedIndex]) continue;
    claimed[seedIndex] = true;
    const seed = candidates[seedIndex];
    const centre = env.toCart(seed.fracCoords);
    const members = [seed];
    for (const other of order) {
      if (claimed[other] || pointsNear(env, candidates[other], centre, tol).length === 0) continue;
      claimed[other] = true;
      members.push(candidates[other]);
    }
    sites.push(representative(members));
  }
  return sites;
}

/**
 * Adds the special positions (Wyckoff positions without a free parameter) to the clustered sites.
 * A special position joins a site when the site's points around it and the position itself form a
 * tight group, all within `tol` of one another: three vertices 0.4 Å apart around a three-fold
 * axis and the point on the axis are one site, represented by doped's rule. It stays a site of its
 * own when the nearby points lie on different sides of it, farther than `tol` from each other:
 * BCC's octahedral site, flanked by tetrahedral sites 0.72 Å away that are 1.43 Å apart, is not a
 * blur of either but a different place for an interstitial.
 */
export function attachSpecialPositions(
  sites: SiteCandidate[],
  special: SiteCandidate[],
  env: HostEnvironment,
  tol = CLUSTER_TOLERANCE,
): SiteCandidate[] {
  const out = [...sites];
  for (const position of special) {
    const centre = env.toCart(position.fracCoords);
    let merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      const near = pointsNear(env, out[i], centre, tol);
      if (near.length === 0 || closedGroup(env, [out[i], position], [centre, ...near], tol) === null) continue;
      out[i] = representative([out[i], position].sort(compareSites));
      merged = true;
    }
    if (!merged) out.push(position);
  }
  return out;
}

/** Largest group of points examined before a cluster is declared too spread out to be one site. */
const MAX_GROUP = 96;

/**
 * The points of `orbits` reachable from `start` in steps shorter than `tol`, if they are all within
 * `tol` of one another; null otherwise.
 */
function closedGroup(env: HostEnvironment, orbits: SiteCandidate[], start: Vec3[], tol: number): Vec3[] | null {
  const group: Vec3[] = [];
  // Every member must end up within tol of every other, so the first point that is not fails the group.
  const add = (p: Vec3): boolean => {
    let fits = true;
    for (const q of group) {
      const d = distance(p, q);
      if (d < 1e-6) return true;
      if (d > tol) fits = false;
    }
    if (!fits) return false;
    group.push(p);
    return true;
  };
  for (const p of start) if (!add(p)) return null;
  for (let i = 0; i < group.length; i++) {
    if (group.length > MAX_GROUP) return null;
    for (const orbit of orbits) for (const p of pointsNear(env, orbit, group[i], tol)) if (!add(p)) return null;
  }
  return group;
}

/** Cartesian positions of the orbit's points within `tol` of `centre`, each as its image nearest to it. */
function pointsNear(env: HostEnvironment, candidate: SiteCandidate, centre: Vec3, tol: number): Vec3[] {
  const out: Vec3[] = [];
  const from = env.toFrac(centre);
  for (const p of candidate.orbit) {
    env.eachNearImage(from, p, (x, y, z) => {
      if (x * x + y * y + z * z <= tol * tol) out.push([centre[0] + x, centre[1] + y, centre[2] + z]);
    });
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
