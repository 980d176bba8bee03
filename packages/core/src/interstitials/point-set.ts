import { type Mat3, type Vec3, inverse, norm, transpose, wrapVec } from '../base/linalg.ts';

/**
 * Points of a periodic cell bucketed on a fractional grid, for "is there already a point within
 * tol Å?" in constant time. Meant for small tolerances (well under half the shortest
 * interplanar spacing), where the wrapped fractional difference gives the true shortest distance.
 */
export class PeriodicPointSet<T> {
  private readonly matrix: Mat3;
  private readonly tol: number;
  private readonly counts: [number, number, number];
  private readonly buckets = new Map<number, { frac: Vec3; value: T }[]>();
  readonly items: { frac: Vec3; value: T }[] = [];

  constructor(matrix: Mat3, tol: number) {
    this.matrix = matrix;
    this.tol = tol;
    const rec = transpose(inverse(matrix));
    // A bucket is at least 2·tol wide along every axis (fractional extent of tol Å along axis i: tol·|b*_i|).
    this.counts = [0, 1, 2].map((i) => Math.max(1, Math.min(512, Math.floor(1 / (2 * tol * norm(rec[i])))))) as [number, number, number];
  }

  /** The stored item within tol of `frac`, if any. */
  find(frac: Vec3): { frac: Vec3; value: T } | undefined {
    const w = wrapVec(frac);
    const [n0, n1, n2] = this.counts;
    // Buckets are at least 2·tol wide, so besides its own bucket a point can only have matches in the
    // neighbouring bucket on the side of the bucket's centre it lies on: 8 buckets, not 27.
    const f0 = w[0] * n0;
    const f1 = w[1] * n1;
    const f2 = w[2] * n2;
    const b0 = Math.min(n0 - 1, Math.floor(f0));
    const b1 = Math.min(n1 - 1, Math.floor(f1));
    const b2 = Math.min(n2 - 1, Math.floor(f2));
    const s0 = n0 === 1 ? 0 : f0 - b0 < 0.5 ? -1 : 1;
    const s1 = n1 === 1 ? 0 : f1 - b1 < 0.5 ? -1 : 1;
    const s2 = n2 === 1 ? 0 : f2 - b2 < 0.5 ? -1 : 1;
    for (let i = 0; i <= (s0 === 0 ? 0 : 1); i++)
      for (let j = 0; j <= (s1 === 0 ? 0 : 1); j++)
        for (let k = 0; k <= (s2 === 0 ? 0 : 1); k++) {
          const list = this.buckets.get(this.key(mod(b0 + i * s0, n0), mod(b1 + j * s1, n1), mod(b2 + k * s2, n2)));
          if (list) for (const item of list) if (this.distance(item.frac, w) <= this.tol) return item;
        }
    return undefined;
  }

  /** Adds the point unless one is already within tol; returns the stored item either way and whether it is new. */
  add(frac: Vec3, value: T): { item: { frac: Vec3; value: T }; added: boolean } {
    const existing = this.find(frac);
    if (existing) return { item: existing, added: false };
    const w = wrapVec(frac);
    const item = { frac: w, value };
    const b = this.bucketOf(w);
    const key = this.key(b[0], b[1], b[2]);
    const list = this.buckets.get(key);
    if (list) list.push(item);
    else this.buckets.set(key, [item]);
    this.items.push(item);
    return { item, added: true };
  }

  private bucketOf(w: Vec3): [number, number, number] {
    return [0, 1, 2].map((i) => Math.min(this.counts[i] - 1, Math.floor(w[i] * this.counts[i]))) as [number, number, number];
  }

  private key(i: number, j: number, k: number): number {
    return (i * 1024 + j) * 1024 + k;
  }

  private distance(a: Vec3, b: Vec3): number {
    const d0 = a[0] - b[0] - Math.round(a[0] - b[0]);
    const d1 = a[1] - b[1] - Math.round(a[1] - b[1]);
    const d2 = a[2] - b[2] - Math.round(a[2] - b[2]);
    const m = this.matrix;
    const x = d0 * m[0][0] + d1 * m[1][0] + d2 * m[2][0];
    const y = d0 * m[0][1] + d1 * m[1][1] + d2 * m[2][1];
    const z = d0 * m[0][2] + d1 * m[1][2] + d2 * m[2][2];
    return Math.sqrt(x * x + y * y + z * z);
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
