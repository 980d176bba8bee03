import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, cross, det, dot } from '../base/linalg.ts';
import { type IntMatrix, integerDeterminant } from './build.ts';
import { lllReduce, shortestVectorLength } from './reduction.ts';

export interface SupercellChoice {
  /** Integer matrix, rows = supercell vectors in units of the base vectors; det = size. */
  matrix: IntMatrix;
  size: number;
  minImageDistance: number;
  diagonal: boolean;
}

/** Distances closer than this (Å) are ties. */
const TIE = 1e-6;

/**
 * The supercell of exactly `size` base cells with the largest minimum image distance, among all
 * sublattices of that index (every lower-triangular Hermite normal form with rows
 * (a,0,0), (b,c,0), (d,e,f): acf = size, 0 ≤ b, d < a, 0 ≤ e < c), or null when none reaches
 * `threshold`. Ties go to a diagonal matrix, then to the first found.
 *
 * The shortest vector is found exactly without reducing each candidate: rows 0 and 1 span a
 * plane lattice P (Lagrange-reduced once per (a, b, c)); every other supercell vector is
 * k·v2 + w with w in P and k ≥ 1, at least k·h long, h being v2's height above the plane (the
 * same for every (d, e)). So only the k with k·h below the best length so far matter, and for
 * each the nearest w is a closest-vector problem in the reduced plane basis.
 */
export function bestSupercellOfSize(base: Lattice, size: number, threshold = 0): SupercellChoice | null {
  const [p0, p1, p2] = base.matrix;
  const normal = cross(p0, p1);
  const height = Math.abs(dot(normal, p2)) / Math.hypot(...normal);
  const p0len = Math.hypot(...p0);
  let best: SupercellChoice | null = null;
  let bar = threshold;
  for (let a = 1; a <= size; a++) {
    if (size % a !== 0 || a * p0len < bar - TIE) continue;
    const v0 = combine(base.matrix, a, 0, 0);
    for (let c = 1; c <= size / a; c++) {
      if ((size / a) % c !== 0) continue;
      const f = size / (a * c);
      const h = f * height;
      for (let b = 0; b < a; b++) {
        const plane = reducePlane(v0, combine(base.matrix, b, c, 0));
        if (plane.shortest < bar - TIE) continue;
        for (let d = 0; d < a; d++) {
          for (let e = 0; e < c; e++) {
            const v2 = combine(base.matrix, d, e, f);
            let shortest = plane.shortest;
            for (let k = 1; k * h < shortest && shortest >= bar - TIE; k++) {
              shortest = Math.min(shortest, distanceToPlaneLattice(plane, [k * v2[0], k * v2[1], k * v2[2]]));
            }
            if (shortest < bar - TIE) continue;
            const diagonal = b === 0 && d === 0 && e === 0;
            if (best === null || shortest > best.minImageDistance + TIE || (diagonal && !best.diagonal && shortest > best.minImageDistance - TIE)) {
              best = { matrix: [[a, 0, 0], [b, c, 0], [d, e, f]], size, minImageDistance: shortest, diagonal };
              bar = Math.max(bar, shortest);
            }
          }
        }
      }
    }
  }
  return best;
}

interface ReducedPlane {
  u: Vec3;
  w: Vec3;
  uu: number;
  uw: number;
  ww: number;
  det: number;
  shortest: number;
}

/** Lagrange–Gauss reduction of the plane lattice spanned by v0 and v1. */
function reducePlane(v0: Vec3, v1: Vec3): ReducedPlane {
  let u = v0;
  let w = v1;
  let uu = dot(u, u);
  let ww = dot(w, w);
  if (uu > ww) [u, w, uu, ww] = [w, u, ww, uu];
  for (let guard = 0; guard < 1000; guard++) {
    const q = Math.round(dot(u, w) / uu);
    if (q === 0) break;
    w = [w[0] - q * u[0], w[1] - q * u[1], w[2] - q * u[2]];
    ww = dot(w, w);
    if (ww >= uu) break;
    [u, w, uu, ww] = [w, u, ww, uu];
  }
  const uw = dot(u, w);
  return { u, w, uu, uw, ww, det: uu * ww - uw * uw, shortest: Math.sqrt(uu) };
}

/**
 * min over integers i, j of |t + i·u + j·w|. The real minimiser comes from the 2×2 normal
 * equations; with a reduced basis the integer one is among its 3×3 rounded neighbours.
 */
function distanceToPlaneLattice(plane: ReducedPlane, t: Vec3): number {
  const { u, w, uu, uw, ww } = plane;
  const tu = -dot(t, u);
  const tw = -dot(t, w);
  const x = Math.round((tu * ww - tw * uw) / plane.det);
  const y = Math.round((tw * uu - tu * uw) / plane.det);
  let best = Infinity;
  for (let i = x - 1; i <= x + 1; i++) {
    for (let j = y - 1; j <= y + 1; j++) {
      const r0 = t[0] + i * u[0] + j * w[0];
      const r1 = t[1] + i * u[1] + j * w[1];
      const r2 = t[2] + i * u[2] + j * w[2];
      const r = r0 * r0 + r1 * r1 + r2 * r2;
      if (r < best) best = r;
    }
  }
  return Math.sqrt(best);
}

function combine(m: Mat3, i: number, j: number, k: number): Vec3 {
  return [
    i * m[0][0] + j * m[1][0] + k * m[2][0],
    i * m[0][1] + j * m[1][1] + k * m[2][1],
    i * m[0][2] + j * m[1][2] + k * m[2][2],
  ];
}

/** The diagonal expansion diag(a, b, c) with abc = size and the largest minimum image distance ≥ threshold, or null. */
export function bestDiagonalOfSize(base: Lattice, size: number, threshold = 0): SupercellChoice | null {
  let best: SupercellChoice | null = null;
  for (let a = 1; a <= size; a++) {
    if (size % a !== 0) continue;
    for (let b = 1; b <= size / a; b++) {
      if ((size / a) % b !== 0) continue;
      const c = size / (a * b);
      const m: IntMatrix = [[a, 0, 0], [0, b, 0], [0, 0, c]];
      const dist = shortestVectorLength(scaleRows(base.matrix, [a, b, c]));
      if (dist >= threshold - TIE && (best === null || dist > best.minImageDistance + TIE)) {
        best = { matrix: m, size, minImageDistance: dist, diagonal: true };
      }
    }
  }
  return best;
}

/**
 * The same supercell lattice with a reduced (nearly orthogonal) basis: HNF rows are skewed, and
 * a skewed cell is awkward to look at and to relax. Diagonal matrices are left alone.
 */
export function reduceSupercellMatrix(base: Lattice, choice: SupercellChoice): IntMatrix {
  if (choice.diagonal) return choice.matrix;
  const cart = multiply(choice.matrix, base.matrix);
  const { transform } = lllReduce(cart);
  // Each row's first non-zero entry made positive (v and −v are the same lattice vector), then
  // two rows swapped if that left the cell left-handed.
  const m = multiplyInt(transform, choice.matrix).map((row) => {
    const first = row.find((v) => v !== 0) ?? 0;
    return first < 0 ? row.map((v) => -v) : row;
  }) as IntMatrix;
  if (integerDeterminant(m) < 0) [m[1], m[2]] = [m[2], m[1]];
  return m;
}

/**
 * Lower bound on the supercell size that can reach `distance`: no lattice packs points more
 * densely than face-centred cubic, whose nearest-neighbour distance d needs a volume d³/√2 per point.
 */
export function minimumSizeFor(base: Lattice, distance: number): number {
  const volume = Math.abs(det(base.matrix));
  return Math.max(1, Math.ceil(distance ** 3 / Math.SQRT2 / volume - 1e-9));
}

function scaleRows(m: Mat3, s: Vec3): Mat3 {
  return [0, 1, 2].map((i) => m[i].map((v) => v * s[i])) as Mat3;
}

function multiply(a: IntMatrix, b: Mat3): Mat3 {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j])) as Mat3;
}

function multiplyInt(a: Mat3, b: IntMatrix): IntMatrix {
  return [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => Math.round(a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j])),
  ) as IntMatrix;
}
