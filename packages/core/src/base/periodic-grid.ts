import { FractionalBuckets } from './fractional-buckets.ts';
import type { Mat3, Vec3 } from './linalg.ts';

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
  private readonly buckets: FractionalBuckets<number>;
  private readonly frac: Vec3[];
  private readonly kinds: ArrayLike<number> | undefined;

  /** `points` fractional [n][3], `kinds` [n] (optional); `tol` in Å. */
  constructor(matrix: Mat3, tol: number, points: Vec3[], kinds?: ArrayLike<number>) {
    this.matrix = matrix;
    this.tol = tol;
    this.frac = points;
    this.kinds = kinds;
    this.buckets = new FractionalBuckets<number>(matrix, tol);
    points.forEach((p, index) => this.buckets.add(p, index));
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
    const count = this.buckets.near(frac, this.lists);
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
    const lists = this.lists.slice(0, this.buckets.near(frac, this.lists));
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
