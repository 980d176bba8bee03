import { type Mat3, type Vec3, inverse } from '../base/linalg.ts';
import { lllReduce } from '../base/reduction.ts';
import type { HostEnvironment } from './environment.ts';

/**
 * A cell's lattice seen through its LLL-reduced basis: fractional coordinates of the cell times
 * `toReduced` are fractional coordinates of the reduced basis `basis` (rows, Å); `shifts` are the
 * reduced-basis lattice vectors n·basis, n in {−1, 0, 1}³ \ 0, that can bring some folded
 * difference (each reduced component in [−½, ½]) closer to the origin: n·G·n < Σ|(G·n)_i| for the
 * metric G = basis·basisᵀ. The others never beat the folded difference itself. A nearly orthogonal
 * reduced basis leaves few of them (none for an orthogonal cell), which makes distances cheap in
 * the skewed primitive cells of rhombohedral and centred lattices.
 */
interface ReducedMetric {
  toReduced: Mat3;
  basis: Mat3;
  /** Flat Cartesian x, y, z triples. */
  shifts: Float64Array;
}

const metrics = new WeakMap<Mat3, ReducedMetric>();

function metricOf(m: Mat3): ReducedMetric {
  const cached = metrics.get(m);
  if (cached) return cached;
  const { basis, transform } = lllReduce(m);
  // basis = transform · m (rows), so cart = f·m = f·transform⁻¹·basis.
  const toReduced = inverse(transform);
  const g = [0, 1, 2].map((i) => [0, 1, 2].map((j) => basis[i][0] * basis[j][0] + basis[i][1] * basis[j][1] + basis[i][2] * basis[j][2]));
  const shifts: number[] = [];
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        if (i === 0 && j === 0 && k === 0) continue;
        const gn = g.map((row) => row[0] * i + row[1] * j + row[2] * k);
        const nGn = i * gn[0] + j * gn[1] + k * gn[2];
        if (nGn < Math.abs(gn[0]) + Math.abs(gn[1]) + Math.abs(gn[2]) - 1e-12) {
          for (let c = 0; c < 3; c++) shifts.push(i * basis[0][c] + j * basis[1][c] + k * basis[2][c]);
        }
      }
  const metric = { toReduced, basis, shifts: Float64Array.from(shifts) };
  metrics.set(m, metric);
  return metric;
}

/**
 * Cartesian displacement (Å) from fractional point `from` to the nearest periodic image of `to`
 * (fractional coordinates of env's cell), written into `out` ([3]), and its squared length (Å²):
 * the folded difference in the cell's LLL-reduced basis against the 27 images around it, of which
 * only the ones that can be nearer are tried (see ReducedMetric).
 */
export function nearestImage(env: HostEnvironment, from: Vec3, to: Vec3, out: Float64Array = new Float64Array(3)): number {
  const { toReduced: t, basis: m, shifts } = metricOf(env.matrix);
  const f0 = to[0] - from[0];
  const f1 = to[1] - from[1];
  const f2 = to[2] - from[2];
  let d0 = f0 * t[0][0] + f1 * t[1][0] + f2 * t[2][0];
  let d1 = f0 * t[0][1] + f1 * t[1][1] + f2 * t[2][1];
  let d2 = f0 * t[0][2] + f1 * t[1][2] + f2 * t[2][2];
  d0 -= Math.round(d0);
  d1 -= Math.round(d1);
  d2 -= Math.round(d2);
  let x = d0 * m[0][0] + d1 * m[1][0] + d2 * m[2][0];
  let y = d0 * m[0][1] + d1 * m[1][1] + d2 * m[2][1];
  let z = d0 * m[0][2] + d1 * m[1][2] + d2 * m[2][2];
  let best = x * x + y * y + z * z;
  const x0 = x;
  const y0 = y;
  const z0 = z;
  for (let s = 0; s < shifts.length; s += 3) {
    const cx = x0 + shifts[s];
    const cy = y0 + shifts[s + 1];
    const cz = z0 + shifts[s + 2];
    const dd = cx * cx + cy * cy + cz * cz;
    if (dd < best) {
      best = dd;
      x = cx;
      y = cy;
      z = cz;
    }
  }
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return best;
}

/**
 * The n×n matrix (row-major, symmetric, zero diagonal) of nearest-image distances (Å) between
 * fractional points of env's cell, each as `nearestImage` measures it.
 */
export function distanceMatrix(env: HostEnvironment, points: readonly Vec3[]): Float64Array {
  const n = points.length;
  const { toReduced: t, basis: m, shifts } = metricOf(env.matrix);
  // Reduced fractional coordinates once per point.
  const r = new Float64Array(3 * n);
  points.forEach((p, i) => {
    for (let c = 0; c < 3; c++) r[3 * i + c] = p[0] * t[0][c] + p[1] * t[1][c] + p[2] * t[2][c];
  });
  const [a0, a1, a2] = m[0];
  const [b0, b1, b2] = m[1];
  const [c0, c1, c2] = m[2];
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d0 = r[3 * j] - r[3 * i];
      let d1 = r[3 * j + 1] - r[3 * i + 1];
      let d2 = r[3 * j + 2] - r[3 * i + 2];
      d0 -= Math.round(d0);
      d1 -= Math.round(d1);
      d2 -= Math.round(d2);
      const x = d0 * a0 + d1 * b0 + d2 * c0;
      const y = d0 * a1 + d1 * b1 + d2 * c1;
      const z = d0 * a2 + d1 * b2 + d2 * c2;
      let best = x * x + y * y + z * z;
      for (let s = 0; s < shifts.length; s += 3) {
        const cx = x + shifts[s];
        const cy = y + shifts[s + 1];
        const cz = z + shifts[s + 2];
        const dd = cx * cx + cy * cy + cz * cz;
        if (dd < best) best = dd;
      }
      const d = Math.sqrt(best);
      out[i * n + j] = d;
      out[j * n + i] = d;
    }
  }
  return out;
}
