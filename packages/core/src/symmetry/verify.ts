import { type Mat3, type Vec3, det, inverse, matmul, matvec, transpose } from '../base/linalg.ts';
import { PeriodicGrid } from '../base/periodic-grid.ts';
import type { Structure } from '../base/structure.ts';
import type { SymmetryOperation } from './types.ts';

/**
 * Whether a space group holds on the input within `tol` Å, checked on the input's own atoms: each
 * of the group's lattice translations (the primitive basis vectors, which generate them) and each
 * of its operations must carry every atom onto an atom of the same type within tol.
 *
 * The group is given in the frame of a primitive cell, x_input = transformation · x_cell, with its
 * operations modulo that cell's lattice ([m] integer rotations). The operations are checked on the
 * input's atoms folded into that cell, so the work is m·n grid look-ups, not m·N·n for the N
 * copies of each operation in the input cell. The fold identifies an atom with its images under
 * the group's exact translations, each within tol of an atom by the first check, so an operation
 * passing here carries every atom within 2·tol of an atom of its type at worst.
 */
export function groupHolds(
  structure: Structure,
  types: number[],
  transformation: Mat3,
  operations: SymmetryOperation[],
  tol: number,
): boolean {
  const frac = structure.fracCoords;
  const n = frac.length;
  const sizeRatio = Math.round(Math.abs(1 / det(transformation)));
  if (sizeRatio > 1) {
    const grid = new PeriodicGrid(structure.lattice.matrix, tol, frac, types);
    const basis = transpose(transformation);
    for (const t of basis) {
      for (let i = 0; i < n; i++) {
        const x = frac[i];
        if (grid.nearest([x[0] + t[0], x[1] + t[1], x[2] + t[2]], types[i]) < 0) return false;
      }
    }
  }
  const toCell = inverse(transformation);
  const folded = frac.map((x) => matvec(toCell, x));
  const grid = new PeriodicGrid(matmul(transpose(transformation), structure.lattice.matrix), tol, folded, types);
  for (const op of operations) {
    const r = op.rotation;
    const t = op.translation;
    for (let i = 0; i < n; i++) {
      const y = folded[i];
      const image: Vec3 = [
        r[0][0] * y[0] + r[0][1] * y[1] + r[0][2] * y[2] + t[0],
        r[1][0] * y[0] + r[1][1] * y[1] + r[1][2] * y[2] + t[1],
        r[2][0] * y[0] + r[2][1] * y[1] + r[2][2] * y[2] + t[2],
      ];
      if (grid.nearest(image, types[i]) < 0) return false;
    }
  }
  return true;
}
