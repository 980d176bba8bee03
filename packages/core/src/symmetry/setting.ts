import { type Mat3, type Vec3, inverse, matmul, matvec, transpose } from '../base/linalg.ts';
import type { Lattice } from '../base/lattice.ts';
import type { ConventionalSetting, SymmetryOperation } from './types.ts';

/** Input fractional coordinates → conventional standard cell: x_s = P⁻¹·(x − p). */
export function toConventional(setting: ConventionalSetting, x: Vec3): Vec3 {
  const p = setting.originShift;
  return matvec(inverse(setting.transformation), [x[0] - p[0], x[1] - p[1], x[2] - p[2]]);
}

/** Conventional standard cell → input fractional coordinates: x = P·x_s + p. */
export function fromConventional(setting: ConventionalSetting, xs: Vec3): Vec3 {
  const r = matvec(setting.transformation, xs);
  const p = setting.originShift;
  return [r[0] + p[0], r[1] + p[1], r[2] + p[2]];
}

export function makeSetting(inputLattice: Lattice, transformation: Mat3, originShift: Vec3, operations: SymmetryOperation[]): ConventionalSetting {
  return {
    transformation,
    originShift,
    lattice: { matrix: matmul(transpose(transformation), inputLattice.matrix) },
    operations,
  };
}
