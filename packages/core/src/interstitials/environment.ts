import { type Mat3, type Vec3, inverse, norm, transpose, vecmat } from '../base/linalg.ts';
import { volume } from '../base/lattice.ts';
import type { Structure } from '../base/structure.ts';

/** A host atom seen from a point: which site, which periodic image, where and how far. */
export interface HostNeighbor {
  site: number;
  element: string;
  /** Cartesian position of this image of the site. */
  cart: Vec3;
  distance: number;
}

/**
 * Periodic neighbour queries around arbitrary points of a host structure. The image range is
 * derived from the query radius and the interplanar spacings, so a query is exact for any cell
 * shape, however skewed or elongated (slabs with 30 Å of vacuum included).
 */
export class HostEnvironment {
  readonly structure: Structure;
  readonly matrix: Mat3;
  readonly inverseMatrix: Mat3;
  /** |b*_i|: the reciprocal of the spacing between lattice planes i (without 2π). */
  readonly reciprocalLengths: Vec3;
  private readonly frac: Vec3[];

  constructor(structure: Structure) {
    this.structure = structure;
    this.matrix = structure.lattice.matrix;
    this.inverseMatrix = inverse(this.matrix);
    const rec = transpose(this.inverseMatrix);
    this.reciprocalLengths = [norm(rec[0]), norm(rec[1]), norm(rec[2])];
    this.frac = structure.fracCoords;
  }

  get size(): number {
    return this.frac.length;
  }

  toCart(frac: Vec3): Vec3 {
    return vecmat(frac, this.matrix);
  }

  toFrac(cart: Vec3): Vec3 {
    return vecmat(cart, this.inverseMatrix);
  }

  /**
   * Calls `visit` with the Cartesian displacement from the fractional point `from` to each image
   * of `frac` in the 27 cells around the nearest one: enough for the short distances the
   * interstitial search compares (under the cell's own size), without a radius-based image range.
   */
  eachNearImage(from: Vec3, frac: Vec3, visit: (x: number, y: number, z: number) => void): void {
    const m = this.matrix;
    const d0 = frac[0] - from[0] - Math.round(frac[0] - from[0]);
    const d1 = frac[1] - from[1] - Math.round(frac[1] - from[1]);
    const d2 = frac[2] - from[2] - Math.round(frac[2] - from[2]);
    for (let i = -1; i <= 1; i++)
      for (let j = -1; j <= 1; j++)
        for (let k = -1; k <= 1; k++) {
          visit(
            (d0 + i) * m[0][0] + (d1 + j) * m[1][0] + (d2 + k) * m[2][0],
            (d0 + i) * m[0][1] + (d1 + j) * m[1][1] + (d2 + k) * m[2][1],
            (d0 + i) * m[0][2] + (d1 + j) * m[1][2] + (d2 + k) * m[2][2],
          );
        }
  }

  /** Every host atom image within `radius` Å of the fractional point `at` (itself included if it is an atom), nearest first. */
  within(at: Vec3, radius: number, options: { excludeSelf?: boolean } = {}): HostNeighbor[] {
    const out: HostNeighbor[] = [];
    this.visit(at, radius, (site, cart, distance) => {
      if (options.excludeSelf && distance < 1e-9) return;
      out.push({ site, element: this.structure.species[site], cart, distance });
    });
    out.sort((a, b) => a.distance - b.distance);
    return out;
  }

  /** Distance from a fractional point to the nearest host atom. */
  nearestDistance(at: Vec3): number {
    // Grow the search radius until it holds an atom; the cell's longest body diagonal always does.
    let radius = Math.cbrt(volume(this.structure.lattice) / Math.max(1, this.size)) * 1.5;
    for (;;) {
      let best = Infinity;
      this.visit(at, radius, (_site, _cart, distance) => {
        if (distance < best) best = distance;
      });
      if (best <= radius) return best;
      radius *= 2;
    }
  }

  private visit(at: Vec3, radius: number, fn: (site: number, cart: Vec3, distance: number) => void): void {
    const m = this.matrix;
    const r2 = radius * radius;
    const reach: Vec3 = [radius * this.reciprocalLengths[0], radius * this.reciprocalLengths[1], radius * this.reciprocalLengths[2]];
    const centre = vecmat(at, m);
    for (let s = 0; s < this.frac.length; s++) {
      const f = this.frac[s];
      const d0 = f[0] - at[0] - Math.round(f[0] - at[0]);
      const d1 = f[1] - at[1] - Math.round(f[1] - at[1]);
      const d2 = f[2] - at[2] - Math.round(f[2] - at[2]);
      // A fractional component of a vector of length r is at most r·|b*_i|, which bounds the images to visit.
      for (let i = Math.ceil(-reach[0] - d0); i <= Math.floor(reach[0] - d0); i++) {
        const x0 = d0 + i;
        for (let j = Math.ceil(-reach[1] - d1); j <= Math.floor(reach[1] - d1); j++) {
          const x1 = d1 + j;
          for (let k = Math.ceil(-reach[2] - d2); k <= Math.floor(reach[2] - d2); k++) {
            const x2 = d2 + k;
            const cx = x0 * m[0][0] + x1 * m[1][0] + x2 * m[2][0];
            const cy = x0 * m[0][1] + x1 * m[1][1] + x2 * m[2][1];
            const cz = x0 * m[0][2] + x1 * m[1][2] + x2 * m[2][2];
            const dd = cx * cx + cy * cy + cz * cz;
            if (dd <= r2) fn(s, [centre[0] + cx, centre[1] + cy, centre[2] + cz], Math.sqrt(dd));
          }
        }
      }
    }
  }
}
