import { type Mat3, type Vec3, inverse, norm, transpose } from './linalg.ts';

/**
 * A fixed set of points of a periodic cell (fractional coordinates, each with an integer kind such
 * as an atom type), bucketed on a fractional grid so that "which stored point lies within tol Å of
 * this one?" costs a handful of distance checks whatever the number of points. The symmetry search
 * asks this n times per candidate operation, which keeps it linear in the atom count.
 *
 * Meant for tolerances well under half the shortest interplanar spacing: distances are taken from
 * the fractional difference folded into [−½, ½), the true shortest distance for such short vectors
 * in any cell that is not extremely skewed.
 */
export class PeriodicGrid {
  readonly matrix: Mat3;
  readonly tol: number;
  private readonly counts: [number, number, number];
  private readonly buckets = new Map<number, number[]>();
  private readonly frac: Vec3[];
  private readonly kinds: ArrayLike<number> | undefined;

  /** `points` fractional [n][3], `kinds` [n] (optional); `tol` in Å. */
  constructor(matrix: Mat3, tol: number, points: Vec3[], kinds?: ArrayLike<number>) {
    this.matrix = matrix;
    this.tol = tol;
    this.frac = points;
    this.kinds = kinds;
    const rec = transpose(inverse(matrix));
    // Buckets at least 2·tol wide along every axis (tol Å spans tol·|b*_i| of axis i), at most 512 per axis.
    this.counts = [0, 1, 2].map((i) => Math.max(1, Math.min(512, Math.floor(1 / (2 * tol * norm(rec[i])))))) as [number, number, number];
    points.forEach((p, index) => {
      const key = this.keyOf(p);
      const list = this.buckets.get(key);
      if (list) list.push(index);
      else this.buckets.set(key, [index]);
    });
  }

  /** Index of the stored point of `kind` (any kind when omitted) nearest to `frac` within tol, or −1. */
  nearest(frac: Vec3, kind?: number): number {
    this.search(frac, kind);
    return this.found;
  }

  /** Squared distance (Å²) from `frac` to the nearest stored point of `kind` within tol; Infinity when there is none. */
  nearestSquared(frac: Vec3, kind?: number): number {
    this.search(frac, kind);
    return this.foundSquared;
  }

  private found = -1;
  private foundSquared = Infinity;

  /** Nearest stored point of `kind` within tol (into found/foundSquared), without a callback per point. */
  private search(frac: Vec3, kind: number | undefined): void {
    this.found = -1;
    this.foundSquared = Infinity;
    const count = this.gather(frac);
    const m = this.matrix;
    const tol2 = this.tol * this.tol;
    for (let b = 0; b < count; b++) {
      const list = this.lists[b]!;
      for (let n = 0; n < list.length; n++) {
        const index = list[n];
        if (kind !== undefined && this.kinds?.[index] !== kind) continue;
        const dd = foldedSquaredDistance(m, this.frac[index], frac);
        if (dd <= tol2 && dd < this.foundSquared) {
          this.foundSquared = dd;
          this.found = index;
        }
      }
    }
  }

  /** Calls `visit(index, squared distance in Å²)` for every stored point within tol of `frac`. */
  forEachWithin(frac: Vec3, visit: (index: number, d2: number) => void): void {
    const lists = this.lists.slice(0, this.gather(frac));
    const tol2 = this.tol * this.tol;
    for (const list of lists) {
      for (const index of list!) {
        const dd = foldedSquaredDistance(this.matrix, this.frac[index], frac);
        if (dd <= tol2) visit(index, dd);
      }
    }
  }

  /** Reused by every query: the buckets that can hold a point within tol of the query. */
  private readonly lists: (number[] | undefined)[] = new Array(8);

  /**
   * Fills `lists` with the buckets to search and returns how many. Buckets are at least 2·tol wide:
   * besides its own, only the neighbour on the side of the bucket's centre the point lies on can
   * hold a match, so 8 buckets rather than 27.
   */
  private gather(frac: Vec3): number {
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
      if (i === 1 && k0 === b0) continue;
      for (let j = 0; j <= (s1 === 0 ? 0 : 1); j++) {
        const k1 = mod(b1 + j * s1, n1);
        if (j === 1 && k1 === b1) continue;
        for (let k = 0; k <= (s2 === 0 ? 0 : 1); k++) {
          const k2 = mod(b2 + k * s2, n2);
          if (k === 1 && k2 === b2) continue;
          const list = this.buckets.get((k0 * 1024 + k1) * 1024 + k2);
          if (list) this.lists[count++] = list;
        }
      }
    }
    return count;
  }

  private keyOf(p: Vec3): number {
    const c = this.counts;
    const b = [0, 1, 2].map((i) => Math.min(c[i] - 1, Math.floor((p[i] - Math.floor(p[i])) * c[i])));
    return (b[0] * 1024 + b[1]) * 1024 + b[2];
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/**
 * Squared Cartesian length (Å²) of the fractional difference p − q folded into [−½, ½): the true
 * shortest distance for vectors well under half the cell's interplanar spacings.
 */
export function foldedSquaredDistance(m: Mat3, p: Vec3, q: Vec3): number {
  let d0 = p[0] - q[0];
  let d1 = p[1] - q[1];
  let d2 = p[2] - q[2];
  d0 -= Math.round(d0);
  d1 -= Math.round(d1);
  d2 -= Math.round(d2);
  const x = d0 * m[0][0] + d1 * m[1][0] + d2 * m[2][0];
  const y = d0 * m[0][1] + d1 * m[1][1] + d2 * m[2][1];
  const z = d0 * m[0][2] + d1 * m[1][2] + d2 * m[2][2];
  return x * x + y * y + z * z;
}
