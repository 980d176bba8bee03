import { type Mat3, type Vec3, det, matmul, matvec } from '../base/linalg.ts';
import { loadMoyo } from './moyo.ts';
import { toOperation } from './moyo-convert.ts';
import { generatedSubgroup } from './orbit.ts';
import type { SymmetryOperation } from './types.ts';

/** x_s ↦ A·x_s + t on conventional fractional coordinates: an element of the Euclidean normalizer. */
export interface NormalizerElement {
  /** Integer rotation, det +1. */
  rotation: Mat3;
  translation: Vec3;
}

/** Per lattice system: a space group whose point group is the holohedry, in the same (spglib) axes. */
const HOLOHEDRY: Record<string, number> = {
  Triclinic: 2,
  Monoclinic: 10,
  Orthorhombic: 47,
  Tetragonal: 123,
  Rhombohedral: 166,
  Hexagonal: 191,
  Cubic: 221,
};

/**
 * Translations tried: multiples of 1/8 and of 1/6 of the conventional cell. The Euclidean
 * normalizers of the 230 types in their standard settings (International Tables A, §3.5) need
 * halves and quarters (F-43m: 1/4,1/4,1/4), thirds (P3: 1/3,2/3,0) and eighths for origin choices
 * of d-glide groups; sixths are the screw translations of the group's own 6_1 axes.
 */
const FRACTIONS = [0, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 3 / 8, 1 / 2, 5 / 8, 2 / 3, 3 / 4, 5 / 6, 7 / 8];

const cache = new Map<number, NormalizerElement[]>();

/**
 * The proper part of the Euclidean normalizer of the space group in the setting of `hallNumber`
 * (conventional operations `operations`), modulo the conventional lattice, identity first: every
 * affine map x_s ↦ A·x_s + t with det A = +1 and A a symmetry of the lattice system's metric that
 * maps the group onto itself. Applied to a structure's conventional coordinates, each one gives an
 * equally valid description of the same crystal in the same setting: another origin (CdTe with Te
 * at 4a instead of Cd), or another orientation of the axes (Te at 4d instead of 4c). Proper maps
 * only, so the conventional basis stays right-handed, as spglib's always is; an improper element
 * would describe the mirror image. Continuous translations (along polar axes) and the centring
 * translations are left out: the caller fixes the origin along the former, and the latter move
 * nothing. Found once per setting by trying every holohedry rotation with
 * every translation in FRACTIONS.
 */
export function normalizerElements(number: number, hallNumber: number, operations: SymmetryOperation[]): NormalizerElement[] {
  let elements = cache.get(hallNumber);
  if (elements) return elements;
  const moyo = loadMoyo();
  const holohedry = moyo.operations_from_number(HOLOHEDRY[moyo.space_group_type(number).lattice_system], { type: 'Spglib' }, false).map(toOperation);
  const rotations: Mat3[] = [];
  const seen = new Set<string>();
  for (const op of holohedry) {
    const key = op.rotation.flat().join(',');
    if (seen.has(key) || Math.round(det(op.rotation)) !== 1) continue;
    seen.add(key);
    rotations.push(op.rotation);
  }
  // Mapping the generators into the group suffices. Per rotation, each generator's image has a
  // fixed rotation and a translation linear in t, compared against the few operations of that rotation.
  const generators = generatorsOf(operations);
  const byRotation = new Map<string, Vec3[]>();
  for (const op of operations) {
    const key = op.rotation.flat().join(',');
    const list = byRotation.get(key);
    if (list) list.push(op.translation);
    else byRotation.set(key, [op.translation]);
  }
  const centrings = byRotation.get('1,0,0,0,1,0,0,0,1') ?? [[0, 0, 0]];
  const free = freeAxesOf(operations);
  const grids = [0, 1, 2].map((k) => (free.includes(k) ? [0] : FRACTIONS));
  elements = [];
  for (const rotation of rotations) {
    const inverse = invertUnimodular(rotation);
    const checks = generators.map((g) => {
      const r = matmul(matmul(rotation, g.rotation), inverse);
      return { r, u: matvec(rotation, g.translation), targets: byRotation.get(r.flat().join(',')) ?? [] };
    });
    if (checks.some((c) => c.targets.length === 0)) continue;
    for (const t0 of grids[0]) {
      for (const t1 of grids[1]) {
        for (const t2 of grids[2]) {
          const t: Vec3 = [t0, t1, t2];
          if (!isSmallestModulo(t, centrings)) continue;
          if (checks.every(({ r, u, targets }) => {
            const rt = matvec(r, t);
            const w: Vec3 = [u[0] + t[0] - rt[0], u[1] + t[1] - rt[1], u[2] + t[2] - rt[2]];
            return targets.some((x) => sameModuloLattice(w, x));
          })) {
            elements.push({ rotation, translation: t });
          }
        }
      }
    }
  }
  // identity first
  elements.sort((a, b) => Number(isIdentity(b)) - Number(isIdentity(a)));
  cache.set(hallNumber, elements);
  return elements;
}

function isIdentity(e: NormalizerElement): boolean {
  return e.translation.every((v) => v === 0) && e.rotation.every((row, i) => row.every((v, j) => v === (i === j ? 1 : 0)));
}

/** A few operations that generate the group (modulo its lattice). */
function generatorsOf(operations: SymmetryOperation[]): SymmetryOperation[] {
  const generators: SymmetryOperation[] = [];
  let span = new Set<SymmetryOperation>();
  for (const op of operations) {
    if (span.has(op)) continue;
    generators.push(op);
    span = new Set(generatedSubgroup(operations, generators));
  }
  return generators;
}

function sameModuloLattice(a: Vec3, b: Vec3): boolean {
  for (let k = 0; k < 3; k++) {
    const d = a[k] - b[k];
    if (Math.abs(d - Math.round(d)) > 1e-6) return false;
  }
  return true;
}

/** Whether t is the lexicographically smallest of its translates by the centring vectors (mod 1): one element per coset. */
function isSmallestModulo(t: Vec3, centrings: Vec3[]): boolean {
  for (const c of centrings) {
    const u = t.map((v, k) => {
      const w = v + c[k];
      const f = w - Math.floor(w);
      return f > 1 - 1e-9 ? 0 : f;
    });
    for (let k = 0; k < 3; k++) {
      if (u[k] < t[k] - 1e-9) return false;
      if (u[k] > t[k] + 1e-9) break;
    }
  }
  return true;
}

/** Inverse of an integer matrix of determinant ±1 (its adjugate, up to the sign), exact. */
export function invertUnimodular(m: Mat3): Mat3 {
  const d = Math.round(det(m));
  const a: Mat3 = [
    [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
    [m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
    [m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
  ];
  return a.map((r) => r.map((v) => v * d + 0)) as Mat3;
}

/** The conventional axes every rotation of the group leaves fixed: along them the origin is free (polar axes). */
export function freeAxesOf(operations: SymmetryOperation[]): number[] {
  return [0, 1, 2].filter((k) => operations.every((op) => op.rotation.every((row, i) => row[k] === (i === k ? 1 : 0))));
}
