import { type Vec3, wrapVec } from '../base/linalg.ts';
import { symmetrizePrimitive } from '../symmetry/label.ts';
import { applyOperation, stabilizer } from '../symmetry/orbit.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import { PeriodicPointSet } from './point-set.ts';

export type SiteSource = 'voronoi' | 'wyckoff' | 'user';

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

/** Index of the candidate whose orbit passes within `tol` Å of `frac`, or -1. */
export function findEquivalent(candidates: SiteCandidate[], env: HostEnvironment, frac: Vec3, tol: number): number {
  const set = new PeriodicPointSet<number>(env.matrix, tol);
  candidates.forEach((c, i) => c.orbit.forEach((m) => set.add(m, i)));
  return set.find(frac)?.value ?? -1;
}
