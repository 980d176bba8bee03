import { type Mat3, type Vec3, matvec } from '../base/linalg.ts';
import type { Lattice } from '../base/lattice.ts';
import { findOperation } from './orbit.ts';
import { makeSetting } from './setting.ts';
import type { ConventionalSetting, SymmetryOperation, WyckoffPosition } from './types.ts';
import { compareCoordinates, identifyPosition } from './wyckoff.ts';

/** x_s ↦ sign·x_s + shift, an affine map of the conventional cell onto itself. */
export interface OriginChange {
  sign: 1 | -1;
  shift: Vec3;
}

const FRACTIONS = [0, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4];

type Labels = { position: WyckoffPosition; representative: Vec3 }[];

/**
 * The origin (and hand) of the conventional cell is fixed only up to the space group's affine
 * normalizer: zinc blende is (Cd 4a, Te 4c) or, with the origin on Te, (Cd 4c, Te 4a) or even
 * (Cd 4b, Te 4c), all correct. moyo's choice depends on where the input's origin happens to be,
 * so the same crystal could get different labels. Among the normalizer elements x ↦ ±x + t with
 * t in quarters and thirds of the conventional cell, this picks the one giving the input's sites,
 * in input order, the earliest Wyckoff letters (so the first-listed atom sits at the origin
 * whenever it can), then the smallest representative coordinates (rutile O at x = 0.305 rather
 * than 0.695); on a full tie moyo's own choice stays. An improper (−1) element is as good as a
 * proper one here: it only arises for groups with improper operations, and composing it with one
 * of those gives a proper map with the same labels.
 *
 * `orbits` holds, per symmetry-distinct site in input order, its orbit in moyo's conventional cell.
 */
export function canonicalOrigin(
  setting: ConventionalSetting,
  positions: WyckoffPosition[],
  orbits: Vec3[][],
  tol: number,
): { change: OriginChange; labels: Labels } {
  // letter rank: 'a' is 1, as the tables list the general position first and 'a' last
  const rank = new Map(positions.map((w, i) => [w.letter, positions.length - i]));
  const labelsFor = (change: OriginChange) =>
    orbits.map((orbit) => identifyPosition(positions, setting.lattice, orbit.map((x) => applyChange(change, x)), tol));

  const better = (a: Labels, b: Labels): boolean => {
    for (let i = 0; i < a.length; i++) {
      const d = (rank.get(a[i].position.letter) ?? 0) - (rank.get(b[i].position.letter) ?? 0);
      if (d !== 0) return d < 0;
    }
    for (let i = 0; i < a.length; i++) {
      const d = compareCoordinates(a[i].representative, b[i].representative);
      if (d !== 0) return d < 0;
    }
    return false;
  };

  const identity: OriginChange = { sign: 1, shift: [0, 0, 0] };
  let best = { change: identity, labels: labelsFor(identity) };
  for (const change of normalizerChanges(setting.operations)) {
    const labels = labelsFor(change);
    if (better(labels, best.labels)) best = { change, labels };
  }
  return best;
}

/** Per operation table (one per Hall setting, shared for the process): its normalizer elements. */
const changesByOperations = new WeakMap<SymmetryOperation[], OriginChange[]>();

/**
 * The changes x ↦ ±x + t (t in quarters and thirds, identity left out) that normalize the group,
 * in a fixed order. They depend on the setting's operations alone, so they are found once per table.
 */
function normalizerChanges(operations: SymmetryOperation[]): OriginChange[] {
  let changes = changesByOperations.get(operations);
  if (!changes) {
    changes = [];
    for (const sign of [1, -1] as const) {
      for (const t0 of FRACTIONS) {
        for (const t1 of FRACTIONS) {
          for (const t2 of FRACTIONS) {
            if (sign === 1 && t0 === 0 && t1 === 0 && t2 === 0) continue;
            const change: OriginChange = { sign, shift: [t0, t1, t2] };
            if (normalizes(change, operations)) changes.push(change);
          }
        }
      }
    }
    changesByOperations.set(operations, changes);
  }
  return changes;
}

/** The setting after the change: x_s' = s·P⁻¹(x − p) + t = P'⁻¹(x − p') with P' = s·P, p' = p − s·P·t. */
export function applyOriginChange(setting: ConventionalSetting, inputLattice: Lattice, change: OriginChange): ConventionalSetting {
  const { sign, shift } = change;
  if (sign === 1 && shift.every((v) => v === 0)) return setting;
  const transformation = setting.transformation.map((row) => row.map((v) => sign * v)) as Mat3;
  const moved = matvec(transformation, shift);
  const p = setting.originShift;
  return makeSetting(inputLattice, transformation, [p[0] - moved[0], p[1] - moved[1], p[2] - moved[2]], setting.operations);
}

function applyChange(change: OriginChange, x: Vec3): Vec3 {
  return [change.sign * x[0] + change.shift[0], change.sign * x[1] + change.shift[1], change.sign * x[2] + change.shift[2]];
}

/** n·g·n⁻¹ ∈ G for every g = (R, τ) of G: with n = (sI, t) that is (R, sτ + t − R·t). */
function normalizes(change: OriginChange, operations: SymmetryOperation[]): boolean {
  const { sign, shift } = change;
  for (const op of operations) {
    const rt = matvec(op.rotation, shift);
    const translation: Vec3 = [
      sign * op.translation[0] + shift[0] - rt[0],
      sign * op.translation[1] + shift[1] - rt[1],
      sign * op.translation[2] + shift[2] - rt[2],
    ];
    if (!findOperation(operations, { rotation: op.rotation, translation })) return false;
  }
  return true;
}
