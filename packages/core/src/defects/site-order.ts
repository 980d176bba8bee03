import type { Vec3 } from '../base/linalg.ts';
import { EXACT, orbitOf } from '../symmetry/orbit.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';

/**
 * The order doped names defects in, which decides which of two otherwise equal names gets the `a`
 * and which the `b`: doped sorts its defect entries by `_frac_coords_sort_func` (doped/utils/
 * symmetry.py) of their conventional-cell coordinates, and takes as those coordinates the orbit
 * member that sorts first under the same function.
 */

/** numpy's `round(x, d)`: x·10^d rounded half to even, divided back. */
function npRound(x: number, digits: number): number {
  const f = 10 ** digits;
  const y = x * f;
  let r = Math.round(y);
  if (Math.abs(y - Math.trunc(y)) === 0.5) r = 2 * Math.round(y / 2);
  return r / f;
}

/** doped's `_custom_round`: 3 decimals when that moves the value by < 0.00015, else 4. */
function customRound(x: number): number {
  const r = npRound(x, 3);
  return Math.abs(r - x) < 0.15e-3 ? r : npRound(x, 4);
}

/**
 * doped's `_frac_coords_sort_func`: coordinates (rounded, wrapped into [0, 1)) with more equal
 * components first, then the smaller norm, then the smaller x, y, z.
 */
export function fracCoordsSortKey(coords: Vec3): number[] {
  const c = coords.map((v) => {
    const r = customRound(v);
    return customRound(r - Math.floor(r));
  });
  let equals = 0;
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) if (Math.abs(c[i] - c[j]) <= 1e-3 + 1e-5 * Math.abs(c[j])) equals++;
  return [-equals, customRound(Math.hypot(c[0], c[1], c[2])), Math.abs(c[0]), Math.abs(c[1]), Math.abs(c[2])];
}

export function compareSortKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

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
