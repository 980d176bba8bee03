import { type Mat3, type Vec3, det, inverse, norm, dot, vecmat, sub } from './linalg.ts';

/**
 * A lattice is three row vectors a, b, c in Ångström. Fractional coordinates are row
 * vectors too, so cart = frac · matrix, as pymatgen and VASP write them.
 */
export interface Lattice {
  matrix: Mat3;
}

export function volume(lattice: Lattice): number {
  return Math.abs(det(lattice.matrix));
}

export function lengths(lattice: Lattice): Vec3 {
  return [norm(lattice.matrix[0]), norm(lattice.matrix[1]), norm(lattice.matrix[2])];
}

/** alpha, beta, gamma in degrees. */
export function angles(lattice: Lattice): Vec3 {
  const [a, b, c] = lattice.matrix;
  const ang = (u: Vec3, v: Vec3) => (Math.acos(Math.max(-1, Math.min(1, dot(u, v) / (norm(u) * norm(v))))) * 180) / Math.PI;
  return [ang(b, c), ang(a, c), ang(a, b)];
}

export function toCartesian(lattice: Lattice, frac: Vec3): Vec3 {
  return vecmat(frac, lattice.matrix);
}

export function toFractional(lattice: Lattice, cart: Vec3, inv: Mat3 = inverse(lattice.matrix)): Vec3 {
  return vecmat(cart, inv);
}

/** Lattice from lengths (Å) and angles (degrees), a along x and b in the xy plane, as CIF readers build it. */
export function fromParameters(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Lattice {
  const rad = Math.PI / 180;
  const ca = Math.cos(alpha * rad);
  const cb = Math.cos(beta * rad);
  const cg = Math.cos(gamma * rad);
  const sg = Math.sin(gamma * rad);
  const cx = c * cb;
  const cy = (c * (ca - cb * cg)) / sg;
  const cz = Math.sqrt(Math.max(0, c * c - cx * cx - cy * cy));
  const clean = (x: number) => (Math.abs(x) < 1e-12 ? 0 : x);
  return {
    matrix: [
      [a, 0, 0],
      [clean(b * cg), clean(b * sg), 0],
      [clean(cx), clean(cy), clean(cz)],
    ],
  };
}

/**
 * Shortest distance between two fractional points under periodic boundary conditions.
 * Searches the 27 neighbouring images of the wrapped difference, which is exact for
 * cells that are not extremely skewed; callers that build supercells keep them reduced.
 */
export function periodicDistance(lattice: Lattice, a: Vec3, b: Vec3): number {
  const d = sub(a, b);
  const base: Vec3 = [d[0] - Math.round(d[0]), d[1] - Math.round(d[1]), d[2] - Math.round(d[2])];
  let best = Infinity;
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        const c = vecmat([base[0] + i, base[1] + j, base[2] + k], lattice.matrix);
        const r = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if (r < best) best = r;
      }
  return Math.sqrt(best);
}
