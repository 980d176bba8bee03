import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, cross, det, dot } from '../base/linalg.ts';
import { type IntMatrix, integerDeterminant } from './build.ts';
import { lllReduce, shortestVectorLength } from '../base/reduction.ts';

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
 *
 * With a `budget`, gives up (null, budget.exhausted set) once that many candidates have been looked at.
 */
export interface SearchBudget {
  /** Candidate supercells still allowed to be examined; the search gives up below zero. */
  remaining: number;
  exhausted: boolean;
}

export function bestSupercellOfSize(base: Lattice, size: number, threshold = 0, budget?: SearchBudget): SupercellChoice | null {
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
        // Plane coordinates (in the reduced basis u, w) of p0, p1 and of p2's projection: v2's are
        // then d·P0 + e·P1 + f·P2, and everything below is scalar arithmetic.
        const [x0, y0] = planeCoordinates(plane, p0);
        const [x1, y1] = planeCoordinates(plane, p1);
        const [x2, y2] = planeCoordinates(plane, p2);
        if (budget) {
          budget.remaining -= a * c;
          if (budget.remaining < 0) {
            budget.exhausted = true;
            return null;
          }
        }
        for (let d = 0; d < a; d++) {
          for (let e = 0; e < c; e++) {
            const x = d * x0 + e * x1 + f * x2;
            const y = d * y0 + e * y1 + f * y2;
            let shortest = plane.shortest;
            for (let k = 1; k * h < shortest && shortest >= bar - TIE; k++) {
              shortest = Math.min(shortest, Math.sqrt((k * h) ** 2 + planeDistanceSquared(plane, k * x, k * y)));
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

/** Coordinates (α, β) of v's projection onto the plane: proj v = α·u + β·w. */
function planeCoordinates(plane: ReducedPlane, v: Vec3): [number, number] {
  const vu = dot(v, plane.u);
  const vw = dot(v, plane.w);
  return [(vu * plane.ww - vw * plane.uw) / plane.det, (vw * plane.uu - vu * plane.uw) / plane.det];
}

/**
 * Squared distance from the plane point α·u + β·w to the nearest lattice point i·u + j·w. With a
 * reduced basis the nearest one is among the 3×3 integer neighbours of (round α, round β).
 */
function planeDistanceSquared(plane: ReducedPlane, alpha: number, beta: number): number {
  const { uu, uw, ww } = plane;
  const i0 = Math.round(alpha);
  const j0 = Math.round(beta);
  let best = Infinity;
  for (let i = i0 - 1; i <= i0 + 1; i++) {
    const x = alpha - i;
    for (let j = j0 - 1; j <= j0 + 1; j++) {
      const y = beta - j;
      const r = x * x * uu + 2 * x * y * uw + y * y * ww;
      if (r < best) best = r;
    }
  }
  return best;
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
