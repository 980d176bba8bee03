import type { Vec3 } from './linalg.ts';

/*
 * doped's ordering of fractional coordinates (`_frac_coords_sort_func`, doped/utils/symmetry.py):
 * the tie-break of its defect names (defects/site-order.ts) and of its choice of interstitial
 * sites (interstitials/preference.ts).
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

/** Lexicographic comparison of two `fracCoordsSortKey` results: negative when `a` sorts first. */
export function compareSortKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
