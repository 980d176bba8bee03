import { type Mat3, type Vec3, wrapVec } from '../base/linalg.ts';
import { PeriodicPointSet } from './point-set.ts';

/** x' = R·x + t on fractional column vectors of the input cell (the SymmetryOperation of the symmetry module). */
export interface FractionalOperation {
  rotation: Mat3;
  translation: Vec3;
}

export function applyOperation(op: FractionalOperation, x: Vec3): Vec3 {
  const r = op.rotation;
  return [
    r[0][0] * x[0] + r[0][1] * x[1] + r[0][2] * x[2] + op.translation[0],
    r[1][0] * x[0] + r[1][1] * x[1] + r[1][2] * x[2] + op.translation[1],
    r[2][0] * x[0] + r[2][1] * x[1] + r[2][2] * x[2] + op.translation[2],
  ];
}

/** The image of `x` under `op`, shifted by a lattice vector to lie as close to `x` as possible, and that distance in Å. */
function nearestImage(matrix: Mat3, op: FractionalOperation, x: Vec3): { image: Vec3; distance: number } {
  const y = applyOperation(op, x);
  const shifted: Vec3 = [y[0] - Math.round(y[0] - x[0]), y[1] - Math.round(y[1] - x[1]), y[2] - Math.round(y[2] - x[2])];
  let best = Infinity;
  let image = shifted;
  // The rounded shift is the nearest image except in strongly skewed cells; check the neighbours too.
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        const d0 = shifted[0] + i - x[0];
        const d1 = shifted[1] + j - x[1];
        const d2 = shifted[2] + k - x[2];
        const cx = d0 * matrix[0][0] + d1 * matrix[1][0] + d2 * matrix[2][0];
        const cy = d0 * matrix[0][1] + d1 * matrix[1][1] + d2 * matrix[2][1];
        const cz = d0 * matrix[0][2] + d1 * matrix[1][2] + d2 * matrix[2][2];
        const d = Math.sqrt(cx * cx + cy * cy + cz * cz);
        if (d < best) {
          best = d;
          image = [shifted[0] + i, shifted[1] + j, shifted[2] + k];
        }
      }
  return { image, distance: best };
}

/**
 * The point moved onto the special position it nearly occupies: the average of its images under
 * the operations that map it to within `tol` Å of itself. `order` is how many operations do so,
 * the order of its site-symmetry group (pure translations of a non-primitive input cell never fix a point).
 */
export function symmetrize(matrix: Mat3, operations: FractionalOperation[], x: Vec3, tol: number): { fracCoords: Vec3; order: number } {
  let point = x;
  let order = 0;
  // A second pass catches operations that fix the symmetrized point but missed the original by a hair.
  for (let pass = 0; pass < 2; pass++) {
    const sum: Vec3 = [0, 0, 0];
    let count = 0;
    for (const op of operations) {
      const { image, distance } = nearestImage(matrix, op, point);
      if (distance <= tol) {
        sum[0] += image[0];
        sum[1] += image[1];
        sum[2] += image[2];
        count++;
      }
    }
    if (count === 0) return { fracCoords: wrapVec(x), order: 1 };
    const next: Vec3 = [sum[0] / count, sum[1] / count, sum[2] / count];
    if (pass === 1 && count === order) return { fracCoords: wrapVec(next), order };
    point = next;
    order = count;
  }
  return { fracCoords: wrapVec(point), order };
}

/** Distinct images of a point under the operations, wrapped into [0, 1): its orbit in the input cell. */
export function orbitOf(matrix: Mat3, operations: FractionalOperation[], x: Vec3, tol: number): Vec3[] {
  const set = new PeriodicPointSet<null>(matrix, tol);
  set.add(x, null);
  for (const op of operations) set.add(applyOperation(op, x), null);
  return set.items.map((i) => i.frac);
}
