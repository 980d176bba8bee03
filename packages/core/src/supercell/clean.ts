import { type Mat3, type Vec3, cross, det, inverse, matmul, transpose, vecmat } from '../base/linalg.ts';
import { lllReduce } from '../base/reduction.ts';
import type { IntMatrix } from './build.ts';

/**
 * The "clean" basis of a lattice, as doped writes its cells (`get_clean_structure` and
 * `_lattice_matrix_sort_func` in doped/utils/symmetry.py): of the lattice's reduced bases, the one
 * that, in the Cartesian frame given, is diagonal if any is, else symmetric about the diagonal,
 * with the largest diagonal, the fewest negative entries, the most equal entries, and c ≥ b ≥ a;
 * always right-handed. A cube given along x, y, z comes back as diag(a, a, a), not permuted or
 * negated. doped picks among one Niggli-reduced basis and its sign flips; we pick among every
 * reduced basis (every basis of shortest vectors, all permutations and signs), a superset, so the
 * choice no longer depends on which Niggli basis a reduction happens to return.
 */

/** Relative tolerance on lengths (vectors as long as the reduced basis's) and on matrix entries. */
const TOL = 1e-6;

/** Entries smaller than this (Å) count as zero, where doped would see float noise as a sign. */
const ZERO = 1e-8;

/**
 * doped's `_lattice_matrix_sort_func`; smaller sorts first. With `positiveDiagonal`, the number of
 * negative diagonal entries is compared right after diagonality, before symmetry: doped states the
 * aim ("maximise the number of non-negative diagonals") but its key only counts negatives overall,
 * after symmetry, and can keep -7.2 Å on a diagonal. We want positive diagonals in the cells we
 * hand out (KPOINTS meshes and MAGMOM read per axis), and doped's exact key where its choice of
 * basis decides what counts as a diagonal expansion.
 */
export function latticeSortKey(m: Mat3, positiveDiagonal = false): number[] {
  return [leadingScore(m[0], m[1], m[2], positiveDiagonal), ...trailingKey(m)];
}

/**
 * The first half of latticeSortKey as one number (it runs for every candidate basis, so it
 * allocates nothing): diagonal, negative diagonal entries (when asked), symmetric, largest |diagonal|
 * sum (to 0.1 Å), fewest negative entries, in that order of weight.
 */
function leadingScore(a: Vec3, b: Vec3, c: Vec3, positiveDiagonal: boolean): number {
  const diagonal = Math.abs(a[1]) < 1e-3 && Math.abs(a[2]) < 1e-3 && Math.abs(b[0]) < 1e-3 && Math.abs(b[2]) < 1e-3 && Math.abs(c[0]) < 1e-3 && Math.abs(c[1]) < 1e-3 ? 1 : 0;
  const symmetric = Math.abs(a[1] - b[0]) <= 1e-3 && Math.abs(a[2] - c[0]) <= 1e-3 && Math.abs(b[2] - c[1]) <= 1e-3 ? 1 : 0;
  const negativeDiagonal = positiveDiagonal ? (a[0] < -ZERO ? 1 : 0) + (b[1] < -ZERO ? 1 : 0) + (c[2] < -ZERO ? 1 : 0) : 0;
  const notSymmetric = diagonal || symmetric ? 0 : 1;
  const diagonalSum = Math.round((Math.abs(a[0]) + Math.abs(b[1]) + Math.abs(c[2])) * 10);
  return ((((1 - diagonal) * 4 + negativeDiagonal) * 2 + notSymmetric) * 1e9 - diagonalSum) * 10 + negatives(a) + negatives(b) + negatives(c);
}

/** The rest of latticeSortKey: how many entries (and magnitudes) are equal, then c, b, a. */
function trailingKey(m: Mat3): number[] {
  // numpy's unique counts, Σ count·(count + 1)/2 over groups of equal values, is the number of
  // pairs i ≤ j of equal entries: 9 plus the equal pairs i < j.
  let equal = 9;
  let equalMagnitude = 9;
  for (let p = 0; p < 9; p++)
    for (let q = p + 1; q < 9; q++) {
      const u = m[Math.floor(p / 3)][p % 3];
      const w = m[Math.floor(q / 3)][q % 3];
      if (Math.abs(u - w) < ZERO) equal++;
      if (Math.abs(Math.abs(u) - Math.abs(w)) < ZERO) equalMagnitude++;
    }
  return [-equal, -equalMagnitude, -roundedLength(m[2]), -roundedLength(m[1]), -roundedLength(m[0])];
}

// Helpers of the two keys at module level: they run for every candidate basis.
function negatives(v: Vec3): number {
  return (v[0] < -ZERO ? 1 : 0) + (v[1] < -ZERO ? 1 : 0) + (v[2] < -ZERO ? 1 : 0);
}

function roundedLength(r: Vec3): number {
  return Math.round(Math.hypot(r[0], r[1], r[2]) * 100) / 100;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9) return a[i] - b[i];
  return 0;
}

/**
 * The clean basis of the lattice spanned by the rows of `basis`, judged in the frame `frame`
 * (rows of `basis` expressed there are rows·frameᵀ; identity for the basis's own frame) by
 * `latticeSortKey` (with `positiveDiagonal` as there). Returns
 * the integer unimodular `transform` with clean = transform · basis (rows), det(transform) = ±1
 * such that the clean basis is right-handed in the frame of `basis`.
 */
export function cleanBasis(basis: Mat3, frame: Mat3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]], positiveDiagonal = false): IntMatrix {
  const { basis: reduced, transform } = lllReduce(basis);
  const volume = Math.abs(det(reduced));
  const lengths = reduced.map((r) => Math.hypot(r[0], r[1], r[2]));
  const reach = Math.max(...lengths) * (1 + TOL);
  // Every lattice vector no longer than the longest LLL vector, as integer coordinates in the LLL basis.
  const inv = inverse(reduced);
  const bound = [0, 1, 2].map((k) => Math.floor(reach * Math.hypot(inv[0][k], inv[1][k], inv[2][k]) + 1e-9));
  const vectors: { n: Vec3; v: Vec3; length: number }[] = [];
  for (let i = -bound[0]; i <= bound[0]; i++)
    for (let j = -bound[1]; j <= bound[1]; j++)
      for (let k = -bound[2]; k <= bound[2]; k++) {
        if (i === 0 && j === 0 && k === 0) continue;
        const v: Vec3 = [
          i * reduced[0][0] + j * reduced[1][0] + k * reduced[2][0],
          i * reduced[0][1] + j * reduced[1][1] + k * reduced[2][1],
          i * reduced[0][2] + j * reduced[1][2] + k * reduced[2][2],
        ];
        const length = Math.hypot(v[0], v[1], v[2]);
        if (length <= reach) vectors.push({ n: [i, j, k], v, length });
      }
  vectors.sort((x, y) => x.length - y.length);

  // A reduced basis reaches the successive minima: the shortest vector, the shortest that completes
  // it to a primitive pair, the shortest that completes the pair to a basis (greedy is exact in 3D).
  const isBasis = (a: Vec3, b: Vec3, c: Vec3) => Math.abs(Math.abs(det([a, b, c])) - volume) <= TOL * volume;
  const first = vectors[0];
  const second = vectors.find((w) => primitivePair(first.n, w.n))!;
  const third = vectors.find((w) => isBasis(first.v, second.v, w.v))!;
  const minima = [first.length, second.length, third.length];
  const candidates = vectors.filter((w) => minima.some((l) => Math.abs(w.length - l) <= TOL * l));
  const total = minima[0] + minima[1] + minima[2];
  // Each candidate once in the judging frame (v·frameᵀ), so a basis is read off without arithmetic.
  const ft = transpose(frame);
  const framedVectors = candidates.map((w) => vecmat(w.v, ft));

  // Every right-handed basis of candidates (det = +volume, the triple product (x × y)·z), judged as
  // found: the leading half of the key settles nearly every comparison, the rest only ties.
  let best: [number, number, number] | null = null;
  let bestLeading = Infinity;
  let bestTrailing: number[] | null = null;
  const framedBasis = (b: [number, number, number]): Mat3 => [framedVectors[b[0]], framedVectors[b[1]], framedVectors[b[2]]];
  for (let x = 0; x < candidates.length; x++)
    for (let y = 0; y < candidates.length; y++) {
      if (y === x) continue;
      const xy = cross(candidates[x].v, candidates[y].v);
      for (let z = 0; z < candidates.length; z++) {
        if (Math.abs(candidates[x].length + candidates[y].length + candidates[z].length - total) > TOL * total) continue;
        const v = candidates[z].v;
        const d = xy[0] * v[0] + xy[1] * v[1] + xy[2] * v[2];
        if (Math.abs(d - volume) > TOL * volume) continue;
        const leading = leadingScore(framedVectors[x], framedVectors[y], framedVectors[z], positiveDiagonal);
        if (leading > bestLeading) continue;
        if (leading < bestLeading) {
          best = [x, y, z];
          bestLeading = leading;
          bestTrailing = null;
          continue;
        }
        bestTrailing ??= trailingKey(framedBasis(best!));
        const trailing = trailingKey([framedVectors[x], framedVectors[y], framedVectors[z]]);
        if (compareKeys(trailing, bestTrailing) < 0) {
          best = [x, y, z];
          bestTrailing = trailing;
        }
      }
    }
  const coefficients = best!.map((i) => candidates[i].n) as Mat3;
  // clean = N · reduced = N · transform · basis
  return matmul(coefficients, transform).map((r) => r.map((v) => Math.round(v) + 0)) as IntMatrix;
}

/** Whether two integer vectors span a saturated plane of the lattice (the gcd of their 2×2 minors is 1). */
function primitivePair(a: Vec3, b: Vec3): boolean {
  const minors = [a[0] * b[1] - a[1] * b[0], a[0] * b[2] - a[2] * b[0], a[1] * b[2] - a[2] * b[1]].map(Math.abs);
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return minors.reduce(gcd, 0) === 1;
}
