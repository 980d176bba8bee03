import { type Vec3, wrapVec } from '../base/linalg.ts';
import { symmetrizePrimitive } from '../symmetry/label.ts';
import { applyOperation, stabilizer } from '../symmetry/orbit.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import { PeriodicPointSet } from './point-set.ts';

/**
 * How an interstitial site was found: a vertex of the Voronoi tessellation, a Wyckoff position
 * without a free parameter, the caller's `interstitial_sites`, or an adsorption site on the surface
 * of a low-dimensional host (adsorption.ts).
 */
export type SiteSource = 'voronoi' | 'wyckoff' | 'user' | 'adsorption';

/**
 * One candidate interstitial site, already reduced to its orbit under the host's space group. The
 * search works in the primitive cell (analysis.primitive): coordinates are fractional coordinates of it.
 */
export interface SiteCandidate {
  /** The orbit's representative, on its exact special position. */
  fracCoords: Vec3;
  /** Distance to the nearest host atom, Å. */
  radius: number;
  /** Order of the site-symmetry group: the higher, the more symmetric. */
  order: number;
  /** Every equivalent position in the primitive cell (the representative first). */
  orbit: Vec3[];
  source: SiteSource;
  /** Index in the request's `interstitial_sites` for user sites. */
  userIndex?: number;
}

/**
 * How far (Å) a generated point may be from a special position and still be moved onto it when
 * reduced to orbits (`reduceToOrbits`, used for adsorption sites): a point 0.05 Å off a mirror and
 * its mirror image are one place, and the point on the mirror represents both.
 */
export const SNAP_TOLERANCE = 0.1;

/** Operations closer than this (Å) to fixing a point fix it exactly: the point is already on its special position. */
const EXACT = 1e-4;

/**
 * A point of the primitive cell on its exact special position, with its site-symmetry order and
 * its orbit in the primitive cell (at most 48 points, whatever supercell the input was).
 */
export function placeOnSymmetry(analysis: SymmetryAnalysis, frac: Vec3, snap: number = analysis.symprec): { fracCoords: Vec3; order: number; orbit: Vec3[] } {
  const { operations } = analysis.primitive;
  const lattice = analysis.primitive.structure.lattice;
  const tol = Math.max(snap, analysis.symprec);
  // Vertices of an exact structure are exact to rounding; only near misses need the (costlier) averaging.
  const exact = stabilizer(operations, lattice, frac, EXACT).length === stabilizer(operations, lattice, frac, tol).length;
  const fracCoords = exact ? wrapVec(frac) : symmetrizePrimitive(analysis, frac, tol);
  const order = stabilizer(operations, lattice, fracCoords, analysis.symprec).length;
  const images = new PeriodicPointSet<null>(lattice.matrix, EXACT);
  images.add(fracCoords, null);
  for (const op of operations) images.add(applyOperation(op, fracCoords), null);
  // The orbit's smallest point (coordinates compared at 1e-6) stands for it, whichever point the
  // search met first: the ranking's ties and the clustering then do not depend on the atoms' order.
  const orbit = images.items.map((i) => i.frac);
  const first = orbit.reduce((best, p) => (compareCoordinates(p, best) < 0 ? p : best), orbit[0]);
  return { fracCoords: first, order: Math.max(1, order), orbit: [first, ...orbit.filter((p) => p !== first)] };
}

/**
 * Groups points of the primitive cell (fractional coordinates) into symmetry orbits, one candidate
 * per orbit, in the order the orbits are first met, each placed within SNAP_TOLERANCE on its
 * special position. Points closer than `tol` Å to a member of an orbit already seen belong to it.
 */
export function reduceToOrbits(
  points: Vec3[],
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  source: SiteSource,
  tol = Math.max(analysis.symprec, 0.01),
): SiteCandidate[] {
  const seen = new PeriodicPointSet<number>(env.matrix, tol);
  const out: SiteCandidate[] = [];
  for (const p of points) {
    if (seen.find(p)) continue;
    const placed = placeOnSymmetry(analysis, p, SNAP_TOLERANCE);
    let index = seen.find(placed.fracCoords)?.value;
    if (index === undefined) {
      index = out.length;
      out.push({ ...placed, radius: env.nearestDistance(placed.fracCoords), source });
      for (const member of placed.orbit) seen.add(member, index);
    }
    // The point's own images mark its equivalents among the points still to come, even when placing it moved it.
    for (const op of analysis.primitive.operations) seen.add(applyOperation(op, p), index);
  }
  return out;
}

/** Index of the candidate whose orbit passes within `tol` Å of `frac`, or -1. */
export function findEquivalent(candidates: SiteCandidate[], env: HostEnvironment, frac: Vec3, tol: number): number {
  const set = new PeriodicPointSet<number>(env.matrix, tol);
  candidates.forEach((c, i) => c.orbit.forEach((m) => set.add(m, i)));
  return set.find(frac)?.value ?? -1;
}
