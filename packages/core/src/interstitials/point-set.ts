import { FractionalBuckets } from '../base/fractional-buckets.ts';
import { type Mat3, type Vec3, wrapVec } from '../base/linalg.ts';
import { foldedSquaredDistance } from '../base/periodic-grid.ts';

/**
 * Points of a periodic cell bucketed on a fractional grid, for "is there already a point within
 * tol Å?" in constant time. Meant for small tolerances (well under half the shortest
 * interplanar spacing), where the wrapped fractional difference gives the true shortest distance.
 */
export class PeriodicPointSet<T> {
  private readonly matrix: Mat3;
  private readonly tol: number;
  private readonly buckets: FractionalBuckets<{ frac: Vec3; value: T }>;
  /** Reused by every query: the buckets that can hold a point within tol of the query. */
  private readonly lists: ({ frac: Vec3; value: T }[] | undefined)[] = new Array(8);
  readonly items: { frac: Vec3; value: T }[] = [];

  constructor(matrix: Mat3, tol: number) {
    this.matrix = matrix;
    this.tol = tol;
    this.buckets = new FractionalBuckets(matrix, tol);
  }

  /** The stored item within tol of `frac`, if any. */
  find(frac: Vec3): { frac: Vec3; value: T } | undefined {
    const w = wrapVec(frac);
    const tol2 = this.tol * this.tol;
    const count = this.buckets.near(w, this.lists);
    for (let b = 0; b < count; b++) for (const item of this.lists[b]!) if (foldedSquaredDistance(this.matrix, item.frac, w) <= tol2) return item;
    return undefined;
  }

  /** Adds the point unless one is already within tol; returns the stored item either way and whether it is new. */
  add(frac: Vec3, value: T): { item: { frac: Vec3; value: T }; added: boolean } {
    const existing = this.find(frac);
    if (existing) return { item: existing, added: false };
    const item = { frac: wrapVec(frac), value };
    this.buckets.add(item.frac, item);
    this.items.push(item);
    return { item, added: true };
  }
}
