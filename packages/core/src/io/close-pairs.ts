import type { Lattice } from '../base/lattice.ts';
import { cross, norm, det, inverse, type Vec3 } from '../base/linalg.ts';
import { lllReduce } from '../base/reduction.ts';

export interface ClosePair {
  /** Indices into the point list, i <= j; i === j means a point is close to its own periodic image. */
  i: number;
  j: number;
  /** Shortest periodic distance in Å. */
  distance: number;
}

/**
 * Every pair of points closer than `cutoff` Å under periodic boundary conditions, each pair once
 * with its shortest distance. Points are binned on a fractional grid whose bins are at least
 * `cutoff` wide (perpendicular to each face), so only neighbouring bins need comparing: linear
 * in the number of points instead of quadratic. Exact for any cell shape. The search runs in the
 * LLL-reduced cell, whose faces are never much closer than its shortest vector, so a skewed cell
 * costs no more than a square one. Callers refuse cells shorter than the cutoff first (see
 * `latticeProblem` in validate.ts): in those every point has countless images within the cutoff.
 */
export function closePairs(lattice: Lattice, frac: Vec3[], cutoff: number): ClosePair[] {
  const n = frac.length;
  if (n === 0) return [];
  const { basis: m, transform } = lllReduce(lattice.matrix);
  // basis = T·M, so x·M = (x·T⁻¹)·basis: the same points in reduced fractional coordinates.
  const back = inverse(transform);
  const reduced = frac.map((f) => [0, 1, 2].map((k) => f[0] * back[0][k] + f[1] * back[1][k] + f[2] * back[2][k]) as Vec3);
  const volume = Math.abs(det(m));
  // Perpendicular width of the cell along each axis: V / |b × c| etc.
  const widths = [volume / norm(cross(m[1], m[2])), volume / norm(cross(m[2], m[0])), volume / norm(cross(m[0], m[1]))];
  // Enough bins to make each hold a few points, never so many that empty bins dominate.
  const maxBins = Math.max(1, Math.ceil(Math.cbrt(n)) + 1);
  const bins = widths.map((w) => Math.max(1, Math.min(maxBins, Math.floor(w / cutoff))));
  // How many bins a neighbour within the cutoff can be away (1 unless the cell is thinner than the cutoff).
  const reach = widths.map((w, k) => Math.max(1, Math.ceil((cutoff * bins[k]) / w)));
  if (reach[0] * reach[1] * reach[2] > 1000) {
    throw new RangeError(`closePairs: the cell is too thin for a ${cutoff} Å cutoff; refuse periods shorter than the cutoff before calling`);
  }

  const wrapped = reduced.map((f) => f.map((x) => x - Math.floor(x)) as Vec3);
  const binOf = new Int32Array(n * 3);
  const head = new Int32Array(bins[0] * bins[1] * bins[2]).fill(-1);
  const next = new Int32Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    const b = [0, 1, 2].map((k) => Math.min(bins[k] - 1, Math.floor(wrapped[p][k] * bins[k])));
    binOf[3 * p] = b[0];
    binOf[3 * p + 1] = b[1];
    binOf[3 * p + 2] = b[2];
    const cell = (b[0] * bins[1] + b[1]) * bins[2] + b[2];
    next[p] = head[cell];
    head[cell] = p;
  }

  const found = new Map<number, ClosePair>();
  const cutoff2 = cutoff * cutoff;
  for (let p = 0; p < n; p++) {
    const fp = wrapped[p];
    for (let dx = -reach[0]; dx <= reach[0]; dx++) {
      const [bx, sx] = wrapBin(binOf[3 * p] + dx, bins[0]);
      for (let dy = -reach[1]; dy <= reach[1]; dy++) {
        const [by, sy] = wrapBin(binOf[3 * p + 1] + dy, bins[1]);
        for (let dz = -reach[2]; dz <= reach[2]; dz++) {
          const [bz, sz] = wrapBin(binOf[3 * p + 2] + dz, bins[2]);
          for (let q = head[(bx * bins[1] + by) * bins[2] + bz]; q >= 0; q = next[q]) {
            if (q < p || (q === p && sx === 0 && sy === 0 && sz === 0)) continue;
            const fq = wrapped[q];
            const d0 = fq[0] + sx - fp[0];
            const d1 = fq[1] + sy - fp[1];
            const d2 = fq[2] + sz - fp[2];
            const cx = d0 * m[0][0] + d1 * m[1][0] + d2 * m[2][0];
            const cy = d0 * m[0][1] + d1 * m[1][1] + d2 * m[2][1];
            const cz = d0 * m[0][2] + d1 * m[1][2] + d2 * m[2][2];
            const r2 = cx * cx + cy * cy + cz * cz;
            if (r2 >= cutoff2) continue;
            const key = p * n + q;
            const distance = Math.sqrt(r2);
            const prev = found.get(key);
            if (!prev || distance < prev.distance) found.set(key, { i: p, j: q, distance });
          }
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => a.i - b.i || a.j - b.j);
}

/** Bin index folded into [0, count) and the lattice translation the fold stands for. */
function wrapBin(b: number, count: number): [number, number] {
  const shift = Math.floor(b / count);
  return [b - shift * count, shift];
}

