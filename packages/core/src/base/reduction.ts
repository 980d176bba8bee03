import type { Lattice } from './lattice.ts';
import { type Mat3, type Vec3, dot, inverse } from './linalg.ts';

export interface ReducedBasis {
  /** Reduced basis vectors as rows. */
  basis: Mat3;
  /** Integer unimodular matrix with basis = transform · original (rows). */
  transform: Mat3;
}

/**
 * LLL reduction of three row vectors (δ = 0.99). A reduced basis is nearly orthogonal, which
 * keeps the enumeration in shortestVectorLength to a handful of candidates.
 */
export function lllReduce(original: Mat3, delta = 0.99): ReducedBasis {
  const b: Vec3[] = original.map((r) => [...r] as Vec3);
  const u: Vec3[] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const sub = (i: number, j: number, q: number) => {
    for (let k = 0; k < 3; k++) {
      b[i][k] -= q * b[j][k];
      u[i][k] -= q * u[j][k];
    }
  };
  let k = 1;
  for (let guard = 0; k < 3 && guard < 1000; guard++) {
    for (let j = k - 1; j >= 0; j--) {
      const q = Math.round(gramSchmidt(b).mu[k][j]);
      if (q !== 0) sub(k, j, q);
    }
    const { mu, norms } = gramSchmidt(b);
    if (norms[k] >= (delta - mu[k][k - 1] ** 2) * norms[k - 1]) {
      k++;
    } else {
      [b[k], b[k - 1]] = [b[k - 1], b[k]];
      [u[k], u[k - 1]] = [u[k - 1], u[k]];
      k = Math.max(k - 1, 1);
    }
  }
  return { basis: b as Mat3, transform: u as Mat3 };
}

function gramSchmidt(b: Vec3[]): { mu: number[][]; norms: number[] } {
  const star: Vec3[] = [];
  const mu = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const norms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const v: Vec3 = [...b[i]];
    for (let j = 0; j < i; j++) {
      mu[i][j] = dot(b[i], star[j]) / norms[j];
      for (let k = 0; k < 3; k++) v[k] -= mu[i][j] * star[j][k];
    }
    star.push(v);
    norms.push(dot(v, v));
  }
  return { mu, norms };
}

/**
 * Length of the shortest non-zero vector of the lattice spanned by the rows of `basis`: the
 * minimum distance between a point and its own periodic images. Exact: after reduction, any
 * vector v = n·B no longer than the shortest basis vector λ has |n_i| ≤ λ·|column i of B⁻¹|,
 * and every such n is tried.
 */
export function shortestVectorLength(basis: Mat3): number {
  const { basis: b } = lllReduce(basis);
  let best = Math.min(dot(b[0], b[0]), dot(b[1], b[1]), dot(b[2], b[2]));
  const inv = inverse(b);
  const lambda = Math.sqrt(best);
  const bound = [0, 1, 2].map((i) => Math.floor(lambda * Math.hypot(inv[0][i], inv[1][i], inv[2][i]) + 1e-9));
  for (let i = -bound[0]; i <= bound[0]; i++) {
    for (let j = -bound[1]; j <= bound[1]; j++) {
      for (let k = -bound[2]; k <= bound[2]; k++) {
        if (i === 0 && j === 0 && k === 0) continue;
        const x = i * b[0][0] + j * b[1][0] + k * b[2][0];
        const y = i * b[0][1] + j * b[1][1] + k * b[2][1];
        const z = i * b[0][2] + j * b[1][2] + k * b[2][2];
        const r = x * x + y * y + z * z;
        if (r < best) best = r;
      }
    }
  }
  return Math.sqrt(best);
}

/** Minimum distance (Å) between a point and its periodic images in this lattice. */
export function minImageDistance(lattice: Lattice): number {
  return shortestVectorLength(lattice.matrix);
}

/** Shortest non-zero vector length of the 2D lattice spanned by u and v (Lagrange–Gauss reduction). */
export function shortestVectorLength2D(u: Vec3, v: Vec3): number {
  let a: Vec3 = [...u];
  let b: Vec3 = [...v];
  let na = dot(a, a);
  let nb = dot(b, b);
  if (na > nb) {
    [a, b] = [b, a];
    [na, nb] = [nb, na];
  }
  for (let guard = 0; guard < 1000; guard++) {
    const q = Math.round(dot(a, b) / na);
    if (q === 0) break;
    b = [b[0] - q * a[0], b[1] - q * a[1], b[2] - q * a[2]];
    nb = dot(b, b);
    if (nb >= na) break;
    [a, b] = [b, a];
    [na, nb] = [nb, na];
  }
  return Math.sqrt(Math.min(na, nb));
}
