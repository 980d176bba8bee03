import { StructureError } from '../base/errors.ts';
import type { Mat3, Vec3 } from '../base/linalg.ts';
import { PeriodicGrid, foldedSquaredDistance } from '../base/periodic-grid.ts';
import type { Structure } from '../base/structure.ts';

/**
 * The pure translations of a cell: the lattice translations of the crystal that are not
 * translations of the cell's own lattice (a supercell has n − 1 of them, a conventional FCC cell 3).
 */
export interface PureTranslations {
  /**
   * Every pure translation modulo the cell's lattice, exact (rational, as the crystal's lattice
   * implies), in the cell's fractional coordinates [N][3], wrapped into [0, 1), sorted, the
   * identity (0, 0, 0) first. N = n_sites / n_primitive_sites.
   */
  vectors: Vec3[];
  /** Per site of the cell, the index of its class: the sites the pure translations carry onto one another. */
  classOf: number[];
  /** Per class, its first site (classes are numbered in the order their first site appears). */
  classSites: number[];
  /** Why the search gave up and kept the cell as it is (tolerance too large for these atoms), else absent. */
  warning?: string;
}

/**
 * The pure translations of a structure within `tol` Å, found as spglib finds them before its
 * space-group search (spglib's symmetry.c, `sym_get_pure_translation`): the candidates are the
 * vectors from one atom of the least frequent type to every other atom of that type, and a
 * candidate is a translation when it carries every atom onto an atom of the same type within tol,
 * checked with a periodic grid (constant work per atom). Two things keep this near n·k work
 * (k = atoms of the least frequent type) and mostly far below it:
 * - translations form a group: once a candidate is verified, every atom its powers and products
 *   with the earlier ones reach from the anchor atom is known to be a translation too and is not
 *   checked again (a 1,000-atom supercell of a one-atom cell needs about three full checks);
 * - a failing candidate usually fails on the first atoms checked; the atoms that made earlier
 *   candidates fail are checked first (near a defect in a relaxed supercell, say).
 *
 * The exact vectors come from the permutations: a verified translation g carries the anchor around
 * a cycle of length m (its order modulo the cell's lattice), so m·g is a lattice vector and g is
 * m·ĝ rounded, divided by m, where ĝ is g averaged over all atoms (noise well below tol).
 *
 * `types` [n] tells species apart (element and oxidation state). Throws StructureError naming two
 * sites when a translation carries an atom within tol of atoms of two different types (the
 * tolerance cannot tell those sites apart).
 */
export function findPureTranslations(structure: Structure, types: number[], tol: number): PureTranslations {
  return tryPureTranslations(structure, types, tol, Infinity)!;
}

/**
 * findPureTranslations within a budget of atom look-ups; null when it runs out (many candidates,
 * each failing late: a large cell without translations, where refined types make it cheap).
 */
export function tryPureTranslations(structure: Structure, types: number[], tol: number, budget: number): PureTranslations | null {
  let attempt = tol;
  let warning: string | undefined;
  const work = { remaining: budget };
  // Atoms of one type closer than 2·tol can make the map from atoms to images ambiguous; spglib
  // then retries with a smaller tolerance, and so does this search.
  for (let round = 0; round < 4; round++) {
    const found = search(structure, types, attempt, work);
    if (found === OVER_BUDGET) return null;
    if (found) return attempt === tol ? found : { ...found, warning };
    warning = `the pure translations of the cell are ambiguous at symprec ${tol} Å (atoms of one species closer than twice the tolerance); they were searched at ${attempt / 2} Å instead`;
    attempt /= 2;
  }
  const n = types.length;
  return {
    vectors: [[0, 0, 0]],
    classOf: types.map((_, i) => i),
    classSites: types.map((_, i) => i),
    warning: `the pure translations of the cell could not be determined consistently at symprec ${tol} Å; the cell was analysed as given (${n} sites)`,
  };
}

interface Generator {
  permutation: Int32Array;
  vector: Vec3;
}

/** The search at one tolerance; null when it is inconsistent (classes of unequal size). */
const OVER_BUDGET = Symbol('over budget');

function search(structure: Structure, types: number[], tol: number, work: { remaining: number }): PureTranslations | null | typeof OVER_BUDGET {
  const n = types.length;
  const frac = structure.fracCoords;
  const counts = new Map<number, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  let anchorType = types[0];
  for (const [t, c] of counts) if (c < counts.get(anchorType)! || (c === counts.get(anchorType)! && t < anchorType)) anchorType = t;
  const anchor = types.indexOf(anchorType);

  // As moyo does (search/primitive_cell.rs): the atoms' correspondence is found within 2·tol, since
  // the candidate vector carries the noise of the two atoms it was taken from; the translation is
  // then averaged over all atoms and must carry every atom within tol of its partner.
  const rough = new PeriodicGrid(structure.lattice.matrix, 2 * tol, frac, types);
  const fine = new PeriodicGrid(structure.lattice.matrix, tol, frac, types);
  const matrix = structure.lattice.matrix;
  const reached = new Uint8Array(n);
  reached[anchor] = 1;
  const orbit = [anchor];
  const generators: Generator[] = [];
  const hot: number[] = [];

  for (let j = 0; j < n; j++) {
    if (types[j] !== anchorType || reached[j]) continue;
    const a = frac[anchor];
    const b = frac[j];
    const permutation = carry(rough, frac, types, [b[0] - a[0], b[1] - a[1], b[2] - a[2]], hot, work);
    if (work.remaining < 0) return OVER_BUDGET;
    if (!permutation) continue;
    const t = refine(frac, permutation, [b[0] - a[0], b[1] - a[1], b[2] - a[2]]);
    if (largestMiss(matrix, frac, permutation, t) > tol) continue;
    checkContradiction(structure, fine, types, permutation, t);
    let m = 1;
    for (let r = permutation[anchor]; r !== anchor; r = permutation[r]) m++;
    generators.push({ permutation, vector: t.map((v) => Math.round(v * m) / m) as Vec3 });
    // Everything the generators now reach from the anchor is a translation already known.
    for (let k = 0; k < orbit.length; k++) {
      for (const g of generators) {
        const next = g.permutation[orbit[k]];
        if (!reached[next]) {
          reached[next] = 1;
          orbit.push(next);
        }
      }
    }
  }

  const size = orbit.length;
  const classes = classesOf(n, generators);
  if (classes.sizes.some((s) => s !== size)) return null;
  const vectors = translationGroup(generators.map((g) => g.vector), size);
  if (vectors === null) return null;
  return { vectors, classOf: classes.classOf, classSites: classes.firstSites };
}

/**
 * The image of every atom under x ↦ x + t: per atom, the atom of its type within the grid's tolerance of its image,
 * or null as soon as one has none or two atoms land on the same one (not a permutation).
 */
function carry(grid: PeriodicGrid, frac: Vec3[], types: number[], t: Vec3, hot: number[], work: { remaining: number }): Int32Array | null {
  const n = frac.length;
  work.remaining -= hot.length;
  for (const i of hot) {
    const x = frac[i];
    if (grid.nearest([x[0] + t[0], x[1] + t[1], x[2] + t[2]], types[i]) < 0) return null;
  }
  const permutation = new Int32Array(n);
  const taken = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = frac[i];
    const j = grid.nearest([x[0] + t[0], x[1] + t[1], x[2] + t[2]], types[i]);
    work.remaining--;
    if (j < 0 || taken[j]) {
      if (j < 0 && !hot.includes(i)) {
        hot.unshift(i);
        if (hot.length > 8) hot.pop();
      }
      return null;
    }
    taken[j] = 1;
    permutation[i] = j;
  }
  return permutation;
}

/** A verified translation may not also carry an atom within tol of an atom of another type. */
function checkContradiction(structure: Structure, grid: PeriodicGrid, types: number[], permutation: Int32Array, t: Vec3): void {
  const frac = structure.fracCoords;
  for (let i = 0; i < frac.length; i++) {
    const x = frac[i];
    grid.forEachWithin([x[0] + t[0], x[1] + t[1], x[2] + t[2]], (k) => {
      if (types[k] === types[i]) return;
      const j = permutation[i];
      const site = (s: number) => `site ${s + 1} (${structure.species[s]}${structure.oxidationStates?.[s] != null ? ` ${structure.oxidationStates[s]}` : ''})`;
      throw new StructureError(
        `the pure translation (${t.map((v) => v.toFixed(4)).join(', ')}) carries site ${i + 1} within the symmetry tolerance of both ` +
          `${site(j)} and ${site(k)}: those two sites of different species are too close to be told apart at ${grid.tol} Å; lower symprec`,
        { site: k + 1 },
        'symmetry_contradiction',
      );
    });
  }
}

/** Largest Cartesian distance (Å) between an atom moved by t and its partner. */
function largestMiss(matrix: Mat3, frac: Vec3[], permutation: Int32Array, t: Vec3): number {
  let worst = 0;
  for (let i = 0; i < frac.length; i++) {
    const x = frac[i];
    worst = Math.max(worst, foldedSquaredDistance(matrix, [x[0] + t[0], x[1] + t[1], x[2] + t[2]], frac[permutation[i]]));
  }
  return Math.sqrt(worst);
}

/** t averaged over every atom's displacement onto its image: the noise of single atoms averages out. */
function refine(frac: Vec3[], permutation: Int32Array, t: Vec3): Vec3 {
  const sum: Vec3 = [0, 0, 0];
  for (let i = 0; i < frac.length; i++) {
    const x = frac[i];
    const y = frac[permutation[i]];
    for (let k = 0; k < 3; k++) {
      const d = y[k] - x[k] - t[k];
      sum[k] += d - Math.round(d);
    }
  }
  return [t[0] + sum[0] / frac.length, t[1] + sum[1] / frac.length, t[2] + sum[2] / frac.length];
}

/** Sites joined by the generators' permutations (union–find), numbered by first appearance. */
function classesOf(n: number, generators: Generator[]): { classOf: number[]; firstSites: number[]; sizes: number[] } {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const g of generators) {
    for (let i = 0; i < n; i++) {
      const a = find(i);
      const b = find(g.permutation[i]);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const index = new Map<number, number>();
  const classOf: number[] = [];
  const firstSites: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let c = index.get(root);
    if (c === undefined) {
      c = firstSites.length;
      index.set(root, c);
      firstSites.push(i);
      sizes.push(0);
    }
    classOf.push(c);
    sizes[c]++;
  }
  return { classOf, firstSites, sizes };
}

/**
 * The group the exact generator vectors span modulo Z³, sorted; null unless it has `size` elements.
 * Every element times `size` is an integer vector (size·g ∈ Z³ in a group of that order), so the
 * group is built on integers modulo size, exactly.
 */
function translationGroup(generators: Vec3[], size: number): Vec3[] | null {
  const ints = generators.map((g) => g.map((x) => mod(Math.round(x * size), size)));
  const key = (v: number[]) => (v[0] * size + v[1]) * size + v[2];
  const seen = new Set<number>([0]);
  const out: number[][] = [[0, 0, 0]];
  for (let k = 0; k < out.length && out.length <= size; k++) {
    for (const g of ints) {
      const v = [mod(out[k][0] + g[0], size), mod(out[k][1] + g[1], size), mod(out[k][2] + g[2], size)];
      const id = key(v);
      if (!seen.has(id)) {
        seen.add(id);
        out.push(v);
      }
    }
  }
  if (out.length !== size) return null;
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]).map((v) => v.map((x) => x / size) as Vec3);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
