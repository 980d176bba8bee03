import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, cross, det, inverse, matmul, norm, transpose, vecmat } from '../base/linalg.ts';
import { shortestVectorLength } from '../base/reduction.ts';
import type { Structure } from '../base/structure.ts';
import { type IntMatrix, integerDeterminant } from './build.ts';
import { cleanBasis } from './clean.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { type SearchBudget, type SupercellChoice, bestSupercellOfSize } from './search.ts';

/**
 * doped's preference for "ideal" supercells (`get_ideal_supercell_matrix` in doped/generation.py
 * and `_min_sum_off_diagonals` in doped/utils/supercells.py): a diagonal expansion of the primitive
 * cell, written in its clean basis, or of the conventional cell. When the best supercell of the
 * smallest sufficient size is not ideal, doped tries every size up to ⌈size·(1 + 0.1)⌉ and takes
 * the LARGEST one whose best supercell is ideal and still meets the distance (its loop has no
 * break), e.g. YTOS: 8 primitive cells (88 atoms, 10.63 Å) give way to 3×3×1 (99 atoms, 11.27 Å).
 */

/** Distances closer than this (Å) are ties, as in search.ts. */
const TIE = 1e-6;

/**
 * Right-handed orthonormal axes (rows) of the conventional cell in the standard orientation (a
 * along x, b in the xy plane), the orientation doped judges its primitive cell in. The crystal's
 * own rotations turn one such frame into equally standard ones; of those, the one closest to the
 * input's axes is taken, so that an input already in standard orientation is judged as it stands.
 */
function standardFrame(analysis: SymmetryAnalysis): Mat3 {
  const [a, b] = analysis.conventional.lattice.matrix;
  const x = a.map((v) => v / norm(a)) as Vec3;
  const z0 = cross(a, b);
  const z = z0.map((v) => v / norm(z0)) as Vec3;
  const frame: Mat3 = [x, cross(z, x), z];
  // Cartesian form of each proper rotation of the crystal's point group (read in the primitive
  // cell, where it has at most 48 operations), c' = Lᵀ·R·L⁻ᵀ·c; it turns the axes e into Q·e,
  // i.e. the frame F into F·Qᵀ.
  const { operations, structure } = analysis.primitive;
  const lt = transpose(structure.lattice.matrix);
  const ltInv = inverse(lt);
  let best = frame;
  let bestTrace = frame[0][0] + frame[1][1] + frame[2][2];
  for (const op of operations) {
    if (det(op.rotation) < 0) continue;
    const q = matmul(matmul(lt, op.rotation), ltInv);
    const turned = matmul(frame, transpose(q));
    const trace = turned[0][0] + turned[1][1] + turned[2][2];
    if (trace > bestTrace + 1e-9) {
      best = turned;
      bestTrace = trace;
    }
  }
  return best;
}

/**
 * The primitive cell re-expressed in its clean basis (clean.ts), judged in the standard orientation
 * (standardFrame): for a body-centred tetragonal cell (a, 0, 0), (0, a, 0), (a/2, a/2, c/2), for a
 * face-centred cubic one the symmetric (0, a/2, a/2)-type basis. Atoms keep their Cartesian
 * positions and order; only their fractional coordinates change.
 */
export function cleanPrimitive(primitive: Structure, analysis: SymmetryAnalysis): Structure {
  return rebase(primitive, cleanBasis(primitive.lattice.matrix, standardFrame(analysis)));
}

/** The same cell on the basis transform·(its basis): atoms keep their Cartesian positions and order. */
function rebase(cell: Structure, transform: IntMatrix): Structure {
  const matrix = matmul(transform as Mat3, cell.lattice.matrix);
  // x·L = x'·(T·L), so x' = x·T⁻¹
  const back = inverse(transform as Mat3);
  // Wrapped by whole cells only (no snapping of 0.99999999 to 0), so every atom moves by a lattice vector.
  const wrap = (v: number) => v - Math.floor(v);
  return { ...cell, lattice: { matrix }, fracCoords: cell.fracCoords.map((x) => vecmat(x, back).map(wrap) as Vec3) };
}

/** The conventional cell's vectors in units of the base cell's (rows), when they are integer; else null. */
export function conventionalInBase(conventional: Lattice, base: Lattice): IntMatrix | null {
  const m = matmul(conventional.matrix, inverse(base.matrix));
  const rounded = m.map((r) => r.map((v) => Math.round(v) + 0)) as IntMatrix;
  const integer = m.every((r, i) => r.every((v, j) => Math.abs(v - rounded[i][j]) < 1e-6));
  return integer && integerDeterminant(rounded) !== 0 ? rounded : null;
}

function isDiagonal(m: IntMatrix): boolean {
  return m.every((row, i) => row.every((v, j) => i === j || v === 0));
}

function times(a: IntMatrix, b: IntMatrix): IntMatrix {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j] + 0)) as IntMatrix;
}

function factorizations(n: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let a = 1; a <= n; a++) {
    if (n % a !== 0) continue;
    for (let b = 1; b <= n / a; b++) if ((n / a) % b === 0) out.push([a, b, n / (a * b)]);
  }
  return out;
}

/**
 * The ideal supercell of exactly `size` base cells with the largest minimum image distance ≥
 * `threshold`: diag(n1, n2, n3) of the base cell, or diag(n1, n2, n3)·conventional; ties go to the
 * diagonal of the base cell. Null when none reaches the threshold.
 */
export function bestIdealOfSize(base: Lattice, conventional: IntMatrix | null, size: number, threshold: number): SupercellChoice | null {
  const options: IntMatrix[] = factorizations(size).map(([a, b, c]) => [[a, 0, 0], [0, b, 0], [0, 0, c]]);
  const ratio = conventional ? Math.abs(integerDeterminant(conventional)) : 0;
  if (conventional && size % ratio === 0) {
    for (const [a, b, c] of factorizations(size / ratio)) options.push(times([[a, 0, 0], [0, b, 0], [0, 0, c]], conventional));
  }
  let best: SupercellChoice | null = null;
  for (const matrix of options) {
    const cell = matmul(matrix as Mat3, base.matrix);
    // The shortest row bounds the distance from above: most options lose without a reduction.
    const bound = Math.min(...cell.map((r) => norm(r))) + TIE;
    if (bound < threshold - TIE || (best !== null && bound <= best.minImageDistance + TIE)) continue;
    const distance = shortestVectorLength(cell);
    if (distance < threshold - TIE || (best !== null && distance <= best.minImageDistance + TIE)) continue;
    best = { matrix, size, minImageDistance: distance, diagonal: isDiagonal(matrix) };
  }
  return best;
}

/**
 * doped's choice among `choice` (the best supercell of the smallest sufficient size) and the ideal
 * supercells of up to ⌈size·(1 + tolerance)⌉ cells (no more than `largest`): the ideal one at the
 * same size when it is as good; else the largest size whose best supercell is ideal and meets
 * `threshold`; else `choice`. The ceiling is taken on the product as doped computes it in floating
 * point, so 10 cells allow 12 (10·1.1 = 11.000000000000002). Stops early, keeping what it has,
 * when the search budget runs out.
 */
export function preferIdeal(
  base: Lattice,
  conventional: IntMatrix | null,
  choice: SupercellChoice,
  options: { threshold: number; tolerance: number; largest: number; budget: SearchBudget },
): SupercellChoice {
  const same = bestIdealOfSize(base, conventional, choice.size, choice.minImageDistance);
  if (same) return same;
  let picked = choice;
  const limit = Math.min(options.largest, Math.ceil(choice.size * (1 + options.tolerance)));
  for (let size = choice.size + 1; size <= limit; size++) {
    const ideal = bestIdealOfSize(base, conventional, size, options.threshold);
    if (!ideal) continue;
    // Ideal only if nothing of this size beats it: a search that must exceed its distance says so.
    const better = bestSupercellOfSize(base, size, ideal.minImageDistance + 2 * TIE, options.budget);
    if (options.budget.exhausted) break;
    if (!better) picked = ideal;
  }
  return picked;
}

/**
 * The supercell written as doped cleans its cells, but in the input's Cartesian frame (clean.ts):
 * its basis right-handed, diagonal where the lattice allows, with a positive diagonal, as close to
 * the input's axes as the lattice allows; and the primitive cell it is a multiple of written the
 * same way, so that a scalar expansion reads n·identity. The lattice is unchanged. Returns the
 * rebased primitive cell and the matrix relative to it.
 */
export function cleanSupercell(base: Structure, matrix: IntMatrix): { base: Structure; matrix: IntMatrix } {
  const identity: Mat3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const cleanBase = rebase(base, cleanBasis(base.lattice.matrix, identity, true));
  // A scalar expansion (n times a unimodular matrix) is n times the clean base: the reduced bases
  // of n·L are n times those of L, and where several tie (BCC's primitive vectors) the clean
  // basis of each, chosen on its own, could list them in different orders.
  const size = integerDeterminant(matrix);
  const n = Math.round(Math.cbrt(size));
  if (n > 1 && n ** 3 === size && matrix.every((row) => row.every((v) => v % n === 0))) {
    return { base: cleanBase, matrix: [[n, 0, 0], [0, n, 0], [0, 0, n]] };
  }
  const lattice = matmul(matrix as Mat3, base.lattice.matrix);
  const supercell = matmul(cleanBasis(lattice, identity, true) as Mat3, lattice);
  const m = matmul(supercell, inverse(cleanBase.lattice.matrix)).map((r) => r.map((v) => Math.round(v) + 0)) as IntMatrix;
  return { base: cleanBase, matrix: m };
}
