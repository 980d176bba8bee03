import type { Vec3 } from '../base/linalg.ts';
import { EXACT, orbitOf } from '../symmetry/orbit.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { compareSortKeys, fracCoordsSortKey } from '../base/frac-sort-key.ts';

export { compareSortKeys, fracCoordsSortKey };

/**
 * The order doped names defects in, which decides which of two otherwise equal names gets the `a`
 * and which the `b`: doped sorts its defect entries by `_frac_coords_sort_func` (doped/utils/
 * symmetry.py) of their conventional-cell coordinates, and takes as those coordinates the orbit
 * member that sorts first under the same function.
 */

/**
 * doped's conventional-cell coordinates of a site: of the orbit of `conventionalCoords` (a point
 * of the site's orbit in the analysis's conventional cell), the member whose key sorts first.
 * Agrees with doped's when the two conventional cells share their origin and axes.
 */
export function dopedConventionalCoords(analysis: SymmetryAnalysis, conventionalCoords: Vec3): Vec3 {
  const { conventional } = analysis;
  let best = conventionalCoords;
  let bestKey = fracCoordsSortKey(best);
  for (const p of orbitOf(conventional.operations, conventional.lattice, conventionalCoords, EXACT)) {
    const key = fracCoordsSortKey(p);
    if (compareSortKeys(key, bestKey) < 0) {
      best = p;
      bestKey = key;
    }
  }
  return best;
}
