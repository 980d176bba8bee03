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

/** Slack (Å) on the bounds that skip candidates without looking at them: rounding is ~1e-14 Å. */
const PRUNE_MARGIN = 1e-6;

/** Marking steps worth spending per candidate spared: a mark is a few times cheaper than a look. */
const MARKING_RATIO = 3;

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
 * Most candidates fail the threshold; bounds that prove a failure (the plane's covering radius for
 * a whole (a, b, c), plane lattice rows near the line d ↦ k·v2 for single (d, e)) skip them
 * without changing which one is chosen.
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
  // In-plane frame for the row bound below: `along` p0 (hence along v0 for every a), `across` it.
  const along = scaleVec(p0, 1 / p0len);
  const across = cross(scaleVec(normal, 1 / Math.hypot(...normal)), along);
  const [p0Across, p1Along, p1Across, p2Along, p2Across] = [dot(p0, across), dot(p1, along), dot(p1, across), dot(p2, along), dot(p2, across)];
  // Per (d, e) of the current (a, b, c), at d·c + e: 1 when the row bound proves it too short.
  const killed = new Uint8Array(size);
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
        if (budget) {
          budget.remaining -= a * c;
          if (budget.remaining < 0) {
            budget.exhausted = true;
            return null;
          }
        }
        // Every v2 lies at most the covering radius away (in projection) from a plane lattice
        // point, so when even that is too short no (d, e) can qualify; the margin keeps this a
        // proof, far above rounding, so the candidates it skips are exactly ones rejected below.
        const proven = bar - TIE - PRUNE_MARGIN;
        if (h < plane.shortest && Math.sqrt(h * h + plane.coveringSquared) < proven) continue;
        // Row bound: for a fixed e and k, k·v2 = k·d·p0 + k·(e·p1 + f·p2) runs along a line
        // parallel to v0 in steps of k·|p0| (|v0| = a·|p0|). A plane lattice row (points j·v1 + i·v0)
        // δ across that line puts every k·v2 within √(proven² − (k·h)² − δ²) along of one of its
        // points below `proven`, and the loop below would reject that (d, e) by this k or an
        // earlier one: such (d, e) are marked and never looked at.
        // Marking costs about one step per (e, k, row, window); it is skipped where that would
        // exceed the a·c candidates it can spare (a long reach over narrowly spaced rows).
        const v1Along = b * p0len + c * p1Along;
        const v1Across = b * p0Across + c * p1Across;
        const rowSpacing = Math.abs(v1Across);
        let markingWork = 0;
        for (let k = 1; k * h < proven && markingWork < MARKING_RATIO * a * c; k++) {
          markingWork += c * (k + 1) * ((2 * Math.sqrt(proven * proven - (k * h) ** 2)) / rowSpacing + 1);
        }
        const rowsApply = h < plane.shortest && proven > 0 && markingWork < MARKING_RATIO * a * c;
        let killedCount = 0;
        if (rowsApply) {
          killed.fill(0, 0, a * c);
          for (let e = 0; e < c; e++) {
            const offAlong = e * p1Along + f * p2Along;
            const offAcross = e * p1Across + f * p2Across;
            for (let k = 1; k * h < proven; k++) {
              const reach = Math.sqrt(proven * proven - (k * h) ** 2);
              const center = (k * offAcross) / v1Across;
              const span = reach / rowSpacing;
              for (let row = Math.ceil(center - span); row <= center + span; row++) {
                const delta = k * offAcross - row * v1Across;
                const room = reach * reach - delta * delta;
                if (room <= 0) continue;
                // in units of |p0|: k·v2 sits at k·d + shift along, the row's points at multiples of a
                const window = Math.sqrt(room) / p0len;
                const shift = (k * offAlong - row * v1Along) / p0len;
                const mHigh = Math.floor((shift + k * (a - 1) + window) / a);
                for (let m = Math.ceil((shift - window) / a); m <= mHigh; m++) {
                  const dLow = Math.max(0, Math.floor((m * a - window - shift) / k) + 1);
                  const dHigh = Math.min(a - 1, Math.ceil((m * a + window - shift) / k) - 1);
                  for (let d = dLow; d <= dHigh; d++) {
                    if (killed[d * c + e] === 0) {
                      killed[d * c + e] = 1;
                      killedCount++;
                    }
                  }
                }
              }
            }
          }
        }
        if (killedCount === a * c) continue;
        // Plane coordinates (in the reduced basis u, w) of p0, p1 and of p2's projection: v2's are
        // then d·P0 + e·P1 + f·P2, and everything below is scalar arithmetic.
        const [x0, y0] = planeCoordinates(plane, p0);
        const [x1, y1] = planeCoordinates(plane, p1);
        const [x2, y2] = planeCoordinates(plane, p2);
        const { uu, uw, ww } = plane;
        for (let d = 0; d < a; d++) {
          for (let e = 0; e < c; e++) {
            if (rowsApply && killed[d * c + e] === 1) continue;
            const x = d * x0 + e * x1 + f * x2;
            const y = d * y0 + e * y1 + f * y2;
            let shortest = plane.shortest;
            for (let k = 1; k * h < shortest && shortest >= bar - TIE; k++) {
              const alpha = k * x;
              const beta = k * y;
              const layer = (k * h) ** 2;
              // The plane point nearest by rounding usually already proves the vector too short,
              // and then the full 3×3 minimum (never larger) would reject it as well.
              const dx = alpha - Math.round(alpha);
              const dy = beta - Math.round(beta);
              const probe = Math.sqrt(layer + (dx * dx * uu + 2 * dx * dy * uw + dy * dy * ww));
              if (probe < bar - TIE) {
                shortest = probe;
                break;
              }
              shortest = Math.min(shortest, Math.sqrt(layer + planeDistanceSquared(plane, alpha, beta)));
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
  /** Squared covering radius: no point of the plane is farther than this from the lattice. */
  coveringSquared: number;
}

/** Lagrange–Gauss reduction of the plane lattice spanned by v0 and v1. */
function reducePlane(v0: Vec3, v1: Vec3): ReducedPlane {
  // Scalar swaps and dot products written out: this runs once per (a, b, c) of every search.
  let u = v0;
  let w = v1;
  let uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
  let ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
  if (uu > ww) {
    const t = u;
    const tt = uu;
    u = w;
    uu = ww;
    w = t;
    ww = tt;
  }
  for (let guard = 0; guard < 1000; guard++) {
    const q = Math.round((u[0] * w[0] + u[1] * w[1] + u[2] * w[2]) / uu);
    if (q === 0) break;
    w = [w[0] - q * u[0], w[1] - q * u[1], w[2] - q * u[2]];
    ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
    if (ww >= uu) break;
    const t = u;
    const tt = uu;
    u = w;
    uu = ww;
    w = t;
    ww = tt;
  }
  const uw = dot(u, w);
  const det = uu * ww - uw * uw;
  // Circumradius² of the non-obtuse triangle on u, ±w (the sign making u·(±w) ≥ 0), which tiles
  // the plane as its Delaunay triangulation: |u|²|w|²|u ∓ w|² / (4·det).
  const coveringSquared = (uu * ww * (uu + ww - 2 * Math.abs(uw))) / (4 * det);
  return { u, w, uu, uw, ww, det, shortest: Math.sqrt(uu), coveringSquared };
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

function scaleVec(v: Vec3, s: number): Vec3 {
  return [v[0] * s, v[1] * s, v[2] * s];
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
  const rowLengths = base.matrix.map((row) => Math.hypot(...row));
  let best: SupercellChoice | null = null;
  for (let a = 1; a <= size; a++) {
    if (size % a !== 0) continue;
    for (let b = 1; b <= size / a; b++) {
      if ((size / a) % b !== 0) continue;
      const c = size / (a * b);
      // The expanded cell vectors are lattice vectors, so the shortest one bounds the distance
      // from above: when even that loses, the reduction and enumeration are not needed.
      const longest = Math.min(a * rowLengths[0], b * rowLengths[1], c * rowLengths[2]) + PRUNE_MARGIN;
      if (longest < threshold - TIE || (best !== null && longest <= best.minImageDistance + TIE)) continue;
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
