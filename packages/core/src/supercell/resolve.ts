import { SupercellError } from '../base/errors.ts';
import type { Lattice } from '../base/lattice.ts';
import type { Structure } from '../base/structure.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { type IntMatrix, buildSupercell, integerDeterminant } from './build.ts';
import { minImageDistance } from '../base/reduction.ts';
import { cleanPrimitive, cleanSupercell, conventionalInBase, preferIdeal } from './ideal.ts';
import { type SearchBudget, type SupercellChoice, bestDiagonalOfSize, bestSupercellOfSize, minimumSizeFor } from './search.ts';

/** [] (automatic), [n], [a, b, c] or a 3×3 integer matrix, the last three relative to the input cell. */
export type SupercellSpec = number[] | number[][];

export interface SupercellOptions {
  /** Automatic mode: smallest acceptable distance (Å) between a site and its periodic images. */
  minImageDistance?: number;
  /** Automatic mode: smallest acceptable number of atoms. */
  minAtoms?: number;
  /** Any mode: the largest supercell built. */
  maxAtoms?: number;
  /** Automatic mode: an ideal (diagonal) supercell is preferred up to this fraction more cells (doped's ideal_threshold; see ideal.ts). */
  diagonalTolerance?: number;
}

export interface Supercell {
  /** Integer; rows are the supercell vectors in units of the BASE cell's vectors. */
  matrix: number[][];
  /** The cell the matrix multiplies: the input, or (automatic mode) the primitive cell. */
  base: 'input' | 'primitive';
  /** The base cell's lattice, in the input's Cartesian frame. */
  baseLattice: Lattice;
  /** The supercell, in the same Cartesian frame as the input (never rotated). */
  structure: Structure;
  /** Per supercell site, the index of the input site it is an image of. */
  parentSites: number[];
  nSites: number;
  minImageDistance: number;
  diagonal: boolean;
  warnings: string[];
}

const DEFAULTS = { minImageDistance: 10, minAtoms: 50, maxAtoms: 1000, diagonalTolerance: 0.1 };

/**
 * Candidate supercells the automatic search may examine (a few hundred milliseconds): enough for
 * every ordinary request by orders of magnitude, but a 25 Å distance in a one-atom cell would
 * otherwise take seconds, and the service runs this while accepting a request.
 */
const SEARCH_BUDGET = 5_000_000;

/**
 * The supercell a request asks for. Explicit specs are honoured as given (with a warning when the
 * images come closer than minImageDistance); `[]` picks the smallest supercell of the primitive
 * cell, any integer matrix, with minimum image distance ≥ minImageDistance and ≥ minAtoms atoms,
 * then prefers an ideal one up to diagonalTolerance more cells and writes its basis clean, as
 * doped's get_ideal_supercell_matrix does (ideal.ts). Throws SupercellError.
 */
export function resolveSupercell(
  structure: Structure,
  analysis: SymmetryAnalysis,
  spec: SupercellSpec,
  options: SupercellOptions = {},
): Supercell {
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  checkOptions(o);
  if (spec.length === 0) return automaticSupercell(analysis, o);
  const matrix = explicitMatrix(spec);
  const d = integerDeterminant(matrix);
  if (d <= 0) {
    throw new SupercellError(
      `supercell matrix ${JSON.stringify(matrix)} has determinant ${d}; it must be positive (a right-handed, non-degenerate cell)`,
      'invalid_supercell',
      { matrix, determinant: d },
    );
  }
  const nSites = structure.species.length * d;
  if (nSites > o.maxAtoms) throw tooLarge(nSites, o.maxAtoms, `supercell ${JSON.stringify(matrix)}`);
  const built = buildSupercell(structure, matrix);
  const distance = minImageDistance(built.structure.lattice);
  const warnings: string[] = [];
  if (distance < o.minImageDistance - 1e-6) {
    warnings.push(
      `the requested supercell's minimum image distance is ${distance.toFixed(3)} Å, below ${o.minImageDistance} Å: ` +
        'defects will interact with their periodic images',
    );
  }
  return {
    matrix,
    base: 'input',
    baseLattice: structure.lattice,
    structure: built.structure,
    parentSites: built.parentSites,
    nSites,
    minImageDistance: distance,
    diagonal: isDiagonal(matrix),
    warnings,
  };
}

function automaticSupercell(analysis: SymmetryAnalysis, o: typeof DEFAULTS): Supercell {
  // The primitive cell, whatever the input was: an input supercell larger than maxAtoms still gets
  // a supercell within the limit.
  const primitive = analysis.primitive;
  const base = cleanPrimitive(primitive.structure, analysis);
  const perCell = base.species.length;
  const smallest = Math.max(Math.ceil(o.minAtoms / perCell), minimumSizeFor(base.lattice, o.minImageDistance));
  const largest = Math.floor(o.maxAtoms / perCell);
  const warnings: string[] = [];
  const budget: SearchBudget = { remaining: SEARCH_BUDGET, exhausted: false };
  let choice: SupercellChoice | null = null;
  for (let size = smallest; size <= largest && choice === null && !budget.exhausted; size++) {
    choice = bestSupercellOfSize(base.lattice, size, o.minImageDistance, budget);
  }
  if (budget.exhausted) {
    // Only very large distances on very small cells get here; a diagonal expansion of the
    // primitive cell is then a predictable, usually near-optimal answer.
    for (let size = smallest; size <= largest && choice === null; size++) {
      choice = bestDiagonalOfSize(base.lattice, size, o.minImageDistance);
    }
    if (choice) {
      warnings.push(
        `the search for the smallest supercell with minimum image distance ≥ ${o.minImageDistance} Å stopped after ` +
          `${SEARCH_BUDGET} candidates; the smallest diagonal expansion of the primitive cell that qualifies was taken, and a non-diagonal one may be smaller`,
      );
    }
  }
  if (choice === null) {
    throw tooLarge(
      Math.max(smallest, largest + 1) * perCell,
      o.maxAtoms,
      `a supercell with minimum image distance ≥ ${o.minImageDistance} Å and ≥ ${o.minAtoms} atoms`,
      'at least ',
    );
  }
  if (!budget.exhausted) {
    const conventional = conventionalInBase(analysis.conventional.lattice, base.lattice);
    choice = preferIdeal(base.lattice, conventional, choice, { threshold: o.minImageDistance, tolerance: o.diagonalTolerance, largest, budget });
  }
  const { base: cleanBase, matrix } = cleanSupercell(base, choice.matrix);
  const built = buildSupercell(cleanBase, matrix);
  return {
    matrix,
    base: 'primitive',
    baseLattice: cleanBase.lattice,
    structure: built.structure,
    parentSites: built.parentSites.map((i) => primitive.parentSites[i]),
    nSites: built.structure.species.length,
    minImageDistance: minImageDistance(built.structure.lattice),
    diagonal: isDiagonal(matrix),
    warnings,
  };
}

function explicitMatrix(spec: SupercellSpec): IntMatrix {
  const describe = JSON.stringify(spec);
  const flat = (spec as unknown[]).flat();
  if (!flat.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new SupercellError(`supercell ${describe}: every entry must be an integer`, 'invalid_supercell', { spec });
  }
  if (spec.every((v) => typeof v === 'number')) {
    const n = spec as number[];
    if (n.length === 1 || n.length === 3) {
      const [a, b, c] = n.length === 1 ? [n[0], n[0], n[0]] : n;
      if (a <= 0 || b <= 0 || c <= 0) {
        throw new SupercellError(`supercell ${describe}: expansion factors must be positive`, 'invalid_supercell', { spec });
      }
      return [
        [a, 0, 0],
        [0, b, 0],
        [0, 0, c],
      ];
    }
  } else if (spec.length === 3 && spec.every((row) => Array.isArray(row) && row.length === 3)) {
    return (spec as number[][]).map((row) => [...row]) as IntMatrix;
  }
  throw new SupercellError(
    `supercell ${describe}: expected [] (automatic), [n], [a, b, c] or a 3×3 integer matrix`,
    'invalid_supercell',
    { spec },
  );
}

function checkOptions(o: typeof DEFAULTS): void {
  const positive = (name: keyof typeof DEFAULTS, allowZero = false) => {
    const v = o[name];
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new SupercellError(`supercell option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${v}`, 'invalid_supercell');
    }
  };
  positive('minImageDistance');
  positive('minAtoms', true);
  positive('maxAtoms');
  positive('diagonalTolerance', true);
  if (o.minAtoms > o.maxAtoms) {
    throw new SupercellError(`minAtoms (${o.minAtoms}) exceeds maxAtoms (${o.maxAtoms})`, 'invalid_supercell');
  }
}

function tooLarge(count: number, limit: number, what: string, qualifier = ''): SupercellError {
  return new SupercellError(`${what} would have ${qualifier}${count} atoms, more than the limit of ${limit}`, 'supercell_too_large', {
    atoms: count,
    limit,
  });
}

function isDiagonal(m: IntMatrix): boolean {
  return m.every((row, i) => row.every((v, j) => i === j || v === 0));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
