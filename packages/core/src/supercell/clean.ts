import { type Mat3, type Vec3, det, inverse, matmul, transpose } from '../base/linalg.ts';
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
  const off = [
    [0, 1],
    [0, 2],
    [1, 0],
    [1, 2],
    [2, 0],
    [2, 1],
  ];
  const diagonal = off.every(([i, j]) => Math.abs(m[i][j]) < 1e-3);
  const symmetric = diagonal || off.every(([i, j]) => Math.abs(m[i][j] - m[j][i]) <= 1e-3);
  const diagonalSum = Math.round((Math.abs(m[0][0]) + Math.abs(m[1][1]) + Math.abs(m[2][2])) * 10) / 10;
  const flat = m.flat();
  const negatives = flat.filter((v) => v < -ZERO).length;
  const pairsOfEqual = (values: number[]) => {
    const counts = new Map<number, number>();
    for (const v of values) {
      const k = Math.round(v / ZERO) * ZERO;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts.values()].reduce((s, c) => s + (c * (c + 1)) / 2, 0);
  };
  const [a, b, c] = m.map((r) => Math.round(Math.hypot(r[0], r[1], r[2]) * 100) / 100);
  const negativeDiagonal = [m[0][0], m[1][1], m[2][2]].filter((v) => v < -ZERO).length;
  return [
    diagonal ? 0 : 1,
    positiveDiagonal ? negativeDiagonal : 0,
    symmetric ? 0 : 1,
    -diagonalSum,
    negatives,
    -pairsOfEqual(flat),
    -pairsOfEqual(flat.map(Math.abs)),
    -c,
    -b,
    -a,
  ];
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
        const v: Vec3 = [0, 1, 2].map((c) => i * reduced[0][c] + j * reduced[1][c] + k * reduced[2][c]) as Vec3;
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
  const bases: Mat3[] = [];
  const coefficients: Mat3[] = [];
  for (const x of candidates)
    for (const y of candidates)
      for (const z of candidates) {
        if (Math.abs(x.length + y.length + z.length - total) > TOL * total) continue;
        const d = det([x.v, y.v, z.v]);
        if (d <= 0 || Math.abs(d - volume) > TOL * volume) continue;
        bases.push([x.v, y.v, z.v]);
        coefficients.push([x.n, y.n, z.n]);
      }

  const inFrame = (rows: Mat3): Mat3 => matmul(rows, transpose(frame));
  let best = 0;
  let bestKey = latticeSortKey(inFrame(bases[0]), positiveDiagonal);
  for (let i = 1; i < bases.length; i++) {
    const key = latticeSortKey(inFrame(bases[i]), positiveDiagonal);
    if (compareKeys(key, bestKey) < 0) {
      best = i;
      bestKey = key;
    }
  }
  // clean = N · reduced = N · transform · basis
  return matmul(coefficients[best], transform).map((r) => r.map((v) => Math.round(v) + 0)) as IntMatrix;
}

/** Whether two integer vectors span a saturated plane of the lattice (the gcd of their 2×2 minors is 1). */
function primitivePair(a: Vec3, b: Vec3): boolean {
  const minors = [a[0] * b[1] - a[1] * b[0], a[0] * b[2] - a[2] * b[0], a[1] * b[2] - a[2] * b[1]].map(Math.abs);
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return minors.reduce(gcd, 0) === 1;
}
