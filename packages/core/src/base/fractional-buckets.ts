import { type Mat3, type Vec3, inverse, norm, transpose } from './linalg.ts';

/**
 * Values filed by the position of a point of a periodic cell on a fractional grid whose buckets
 * are at least 2·tol Å wide along every axis (at most 512 per axis): a point within tol of a query
 * lies in the query's bucket or in the neighbouring one on the side of the bucket's centre the
 * query lies on, so a query looks into at most 8 buckets, not 27. The caller measures distances.
 * Shared by the symmetry search's grid of atoms (PeriodicGrid) and the interstitial search's
 * growing point sets (PeriodicPointSet).
 */
export class FractionalBuckets<T> {
  /** Buckets along a, b, c. */
  readonly counts: [number, number, number];
  private readonly buckets = new Map<number, T[]>();

  /** `matrix` the lattice (rows, Å); `tol` in Å. */
  constructor(matrix: Mat3, tol: number) {
    const rec = transpose(inverse(matrix));
    // tol Å spans tol·|b*_i| of axis i.
    this.counts = [0, 1, 2].map((i) => Math.max(1, Math.min(512, Math.floor(1 / (2 * tol * norm(rec[i])))))) as [number, number, number];
  }

  /** Files `value` under the bucket of `frac` (fractional [3], any image). */
  add(frac: Vec3, value: T): void {
    const c = this.counts;
    const b = [0, 1, 2].map((i) => Math.min(c[i] - 1, Math.floor((frac[i] - Math.floor(frac[i])) * c[i])));
    const key = (b[0] * 1024 + b[1]) * 1024 + b[2];
    const list = this.buckets.get(key);
    if (list) list.push(value);
    else this.buckets.set(key, [value]);
  }

  /** Fills `out` with the non-empty buckets that can hold a point within tol of `frac`; returns how many (at most 8). */
  near(frac: Vec3, out: (T[] | undefined)[]): number {
    const [n0, n1, n2] = this.counts;
    const f0 = (frac[0] - Math.floor(frac[0])) * n0;
    const f1 = (frac[1] - Math.floor(frac[1])) * n1;
    const f2 = (frac[2] - Math.floor(frac[2])) * n2;
    const b0 = Math.min(n0 - 1, Math.floor(f0));
    const b1 = Math.min(n1 - 1, Math.floor(f1));
    const b2 = Math.min(n2 - 1, Math.floor(f2));
    const s0 = n0 === 1 ? 0 : f0 - b0 < 0.5 ? -1 : 1;
    const s1 = n1 === 1 ? 0 : f1 - b1 < 0.5 ? -1 : 1;
    const s2 = n2 === 1 ? 0 : f2 - b2 < 0.5 ? -1 : 1;
    let count = 0;
    for (let i = 0; i <= (s0 === 0 ? 0 : 1); i++) {
      const k0 = mod(b0 + i * s0, n0);
      for (let j = 0; j <= (s1 === 0 ? 0 : 1); j++) {
        const k1 = mod(b1 + j * s1, n1);
        for (let k = 0; k <= (s2 === 0 ? 0 : 1); k++) {
          const list = this.buckets.get((k0 * 1024 + k1) * 1024 + mod(b2 + k * s2, n2));
          if (list) out[count++] = list;
        }
      }
    }
    return count;
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
