import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, inverse, matmul, matvec, transpose } from '../base/linalg.ts';
import { type NormalizerElement, invertUnimodular } from './normalizer.ts';
import { makeSetting } from './setting.ts';
import type { ConventionalSetting, WyckoffPosition } from './types.ts';
import { compareCoordinates, identifyPosition } from './wyckoff.ts';

export type Labels = { position: WyckoffPosition; representative: Vec3 }[];

/** One symmetry-distinct orbit: its species and its points in moyo's conventional cell. */
export interface ConventionalOrbit {
  species: string;
  points: Vec3[];
}

/** Orientation scores closer than this count as equal. */
const ORIENTATION_TIE = 1e-6;

/**
 * The conventional setting of a crystal is fixed by its space group only up to the group's
 * Euclidean normalizer: zinc blende is (Cd 4a, Te 4c) with the origin on Cd, (Cd 4c, Te 4a) with
 * it on Te, (Cd 4a, Te 4d) with the cube axes turned by 90°, all correct. moyo's choice among them
 * follows from how its search meets the input; this picks one by the structure as given, the way
 * spglib's does whenever the file is written in a standard setting, and never by the order of sites:
 *
 * 1. the origin nearest the input's own origin (Cartesian distance modulo the crystal's lattice,
 *    ties within `tol`). spglib derives its origin shift from the translation parts of the
 *    operations in the input frame (spglib's hall_symbol.c, `get_origin_shift`), which for a file
 *    whose origin is a standard origin is that origin (LiCoO2 with Co at the origin: Co 3a, Li 3b;
 *    rhombohedral Ni3S2: Ni 9e). Along directions where the origin is free (the polar axis of
 *    P6_3mc, every direction in P1) the input's origin is kept, as spglib keeps it;
 * 2. the axes nearest the input's Cartesian axes (largest sum of cos(a_s, x), cos(b_s, y),
 *    cos(c_s, z)): a primitive FCC cell written with the cube edges along x, y, z gets the
 *    conventional cube along them, so CdTe's Te at (¼, ¼, ¼) Cartesian-wise is 4c, as doped
 *    publishes it (spglib turns such cubes arbitrarily and may say 4d);
 * 3. on a full tie, the labels sorted by element, letter and representative coordinates,
 *    lexicographically smallest: a property of the crystal, not of the file's order.
 *
 * `elements` are the proper normalizer elements of the setting (normalizer.ts); `freeAxes` the
 * conventional axes every rotation of the group fixes; `toPrimitive` maps input fractional
 * coordinates to the primitive cell's, whose lattice is `primitiveLattice`.
 */
export function canonicalSetting(
  moyo: ConventionalSetting,
  inputLattice: Lattice,
  toPrimitive: Mat3,
  primitiveLattice: Lattice,
  elements: NormalizerElement[],
  freeAxes: number[],
  orbits: ConventionalOrbit[],
  positions: WyckoffPosition[],
  tol: number,
): { setting: ConventionalSetting; labels: Labels } {
  const candidates = elements.map((e) => describe(moyo, inputLattice, toPrimitive, primitiveLattice, e, freeAxes));
  const nearest = Math.min(...candidates.map((c) => c.originDistance));
  const nearOrigin = candidates.filter((c) => c.originDistance <= nearest + tol);
  const best = Math.max(...nearOrigin.map((c) => c.orientation));
  const finalists = nearOrigin.filter((c) => c.orientation >= best - ORIENTATION_TIE);

  const rank = new Map(positions.map((w, i) => [w.letter, positions.length - i]));
  let chosen: { candidate: Candidate; labels: Labels; key: SortKey[] } | null = null;
  for (const candidate of finalists) {
    const setting = makeSetting(inputLattice, candidate.transformation, candidate.originShift, moyo.operations);
    const labels = orbits.map((orbit) =>
      identifyPosition(positions, setting.lattice, orbit.points.map((x) => candidate.map(x)), tol),
    );
    const key = labels
      .map((l, k) => ({ species: orbits[k].species, rank: rank.get(l.position.letter) ?? 0, representative: l.representative }))
      .sort(compareKeys);
    if (chosen === null || compareKeyLists(key, chosen.key) < 0) chosen = { candidate, labels, key };
  }
  const { candidate, labels } = chosen!;
  return { setting: makeSetting(inputLattice, candidate.transformation, candidate.originShift, moyo.operations), labels };
}

interface Candidate {
  transformation: Mat3;
  originShift: Vec3;
  /** Moyo's conventional coordinates → this candidate's. */
  map: (x: Vec3) => Vec3;
  originDistance: number;
  orientation: number;
}

/**
 * The setting after the normalizer element x_s ↦ A·x_s + t (then moved along the free axes so the
 * input's origin has conventional coordinate 0 along them): x_s' = P'⁻¹(x − p') with P' = P·A⁻¹ and
 * p' = p − P'·t + P'·(o along the free axes), o being the input origin's coordinates before that move.
 */
function describe(
  moyo: ConventionalSetting,
  inputLattice: Lattice,
  toPrimitive: Mat3,
  primitiveLattice: Lattice,
  element: NormalizerElement,
  freeAxes: number[],
): Candidate {
  const transformation = matmul(moyo.transformation, invertUnimodular(element.rotation));
  const moved = matvec(transformation, element.translation);
  const p = moyo.originShift;
  let originShift: Vec3 = [p[0] - moved[0], p[1] - moved[1], p[2] - moved[2]];
  const shift: Vec3 = [...element.translation];
  if (freeAxes.length > 0) {
    const o = matvec(inverse(transformation), originShift).map((v) => -v);
    const along: Vec3 = [0, 0, 0];
    for (const k of freeAxes) along[k] = o[k];
    const back = matvec(transformation, along);
    originShift = [originShift[0] + back[0], originShift[1] + back[1], originShift[2] + back[2]];
    for (const k of freeAxes) shift[k] -= o[k];
  }
  const a = element.rotation;
  const map = (x: Vec3): Vec3 => {
    const r = matvec(a, x);
    return [r[0] + shift[0], r[1] + shift[1], r[2] + shift[2]];
  };
  const rows = matmul(transpose(transformation), inputLattice.matrix);
  const orientation = rows.reduce((sum, row, k) => sum + row[k] / Math.hypot(row[0], row[1], row[2]), 0);
  return { transformation, originShift, map, originDistance: distanceToLattice(primitiveLattice, matvec(toPrimitive, originShift)), orientation };
}

/** Cartesian distance from the fractional point to the nearest lattice point. */
function distanceToLattice(lattice: Lattice, frac: Vec3): number {
  const m = lattice.matrix;
  const f = frac.map((v) => v - Math.round(v));
  let best = Infinity;
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        const d = [f[0] + i, f[1] + j, f[2] + k];
        const x = d[0] * m[0][0] + d[1] * m[1][0] + d[2] * m[2][0];
        const y = d[0] * m[0][1] + d[1] * m[1][1] + d[2] * m[2][1];
        const z = d[0] * m[0][2] + d[1] * m[1][2] + d[2] * m[2][2];
        best = Math.min(best, Math.hypot(x, y, z));
      }
  return best;
}

interface SortKey {
  species: string;
  rank: number;
  representative: Vec3;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.species !== b.species) return a.species < b.species ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return compareCoordinates(a.representative, b.representative);
}

function compareKeyLists(a: SortKey[], b: SortKey[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = compareKeys(a[i], b[i]);
    if (d !== 0) return d;
  }
  return 0;
}
