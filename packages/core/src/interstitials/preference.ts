import { compareSortKeys, fracCoordsSortKey } from '../base/frac-sort-key.ts';
import type { Vec3 } from '../base/linalg.ts';

/**
 * doped's `symm_pref_dist_factor`: the most symmetric candidate of a group is kept unless its
 * distance to the host is below this fraction of the roomiest candidate's.
 */
export const SYMMETRY_PREFERENCE = 0.85;

/** Clearances closer than this (Å) are equal: symmetry-equivalent points differ by rounding noise only. */
const DISTANCE_TIE = 1e-4;

/** What the choice looks at: clearance (Å), symmetry and place. */
export interface Contender {
  /** Fractional coordinates (of the cell the search works in), for doped's last tie-break. */
  fracCoords: Vec3;
  /** Distance to the nearest host atom, Å. */
  radius: number;
  /** Symmetry rank: the higher, the more symmetric (the site-symmetry group's order). */
  order: number;
}

/**
 * The representative of a group of nearby candidates, by doped's rule (`_doped_cluster_frac_coords`
 * for the members and centroid of a cluster, `get_interstitial_sites` for sites grouped within
 * `stol`, doped/utils/symmetry.py and doped/generation.py): the symmetry-favoured candidate (highest
 * `order`, then roomiest, then first under doped's `_frac_coords_sort_func`) unless its clearance is
 * below SYMMETRY_PREFERENCE × that of the distance-favoured one (roomiest, then highest order, then
 * the same sort), which is then taken instead. Throws on an empty list.
 */
export function preferred<T extends Contender>(candidates: T[]): T {
  if (candidates.length === 0) throw new Error('preferred: no candidates');
  const keys = candidates.map((c) => fracCoordsSortKey(c.fracCoords));
  const radiusCmp = (a: number, b: number) => (Math.abs(a - b) > DISTANCE_TIE ? b - a : 0);
  const bySymmetry = (i: number, j: number) =>
    candidates[j].order - candidates[i].order || radiusCmp(candidates[i].radius, candidates[j].radius) || compareSortKeys(keys[i], keys[j]);
  const byDistance = (i: number, j: number) =>
    radiusCmp(candidates[i].radius, candidates[j].radius) || candidates[j].order - candidates[i].order || compareSortKeys(keys[i], keys[j]);
  let symmetric = 0;
  let roomiest = 0;
  for (let i = 1; i < candidates.length; i++) {
    if (bySymmetry(i, symmetric) < 0) symmetric = i;
    if (byDistance(i, roomiest) < 0) roomiest = i;
  }
  return candidates[symmetric].radius / candidates[roomiest].radius < SYMMETRY_PREFERENCE ? candidates[roomiest] : candidates[symmetric];
}
