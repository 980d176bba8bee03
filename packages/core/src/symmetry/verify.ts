import { type Vec3, det, inverse, matvec, transpose } from '../base/linalg.ts';
import { PeriodicGrid } from '../base/periodic-grid.ts';
import type { Structure } from '../base/structure.ts';
import type { FoldedCell } from './primitive.ts';
import type { SymmetryOperation } from './types.ts';

/**
 * How well a space group holds on the input, checked on the input's own atoms: the largest distance
 * (Å) from an atom's image to the nearest atom of its type, Infinity when some image has none within
 * `tol` Å. The group holds within any τ ≤ tol this is at most. Each
 * of the group's lattice translations (the primitive basis vectors, which generate them) and each
 * of its operations must carry every atom onto an atom of the same type within tol.
 *
 * The group is given in the frame of a primitive cell, x_input = cell.transformation · x_cell, with
 * its operations modulo that cell's lattice ([m] integer rotations). The operations are checked on the
 * input's atoms folded into that cell, against the cell's sites (`cell`: each the average of the
 * input atoms the translations relate), so the work is m·n grid look-ups, not m·N·n for the N
 * copies of each operation in the input cell. An atom's partner is thus the average of its
 * translation copies, each within tol of it by the first check.
 */
export function groupMiss(structure: Structure, types: number[], cell: FoldedCell, operations: SymmetryOperation[], tol: number): number {
  const { transformation } = cell;
  const frac = structure.fracCoords;
  const n = frac.length;
  let worst = 0;
  const sizeRatio = Math.round(Math.abs(1 / det(transformation)));
  if (sizeRatio > 1) {
    const grid = new PeriodicGrid(structure.lattice.matrix, tol, frac, types);
    const basis = transpose(transformation);
    for (const t of basis) {
      for (let i = 0; i < n; i++) {
        const x = frac[i];
        worst = Math.max(worst, grid.nearestSquared([x[0] + t[0], x[1] + t[1], x[2] + t[2]], types[i]));
        if (worst === Infinity) return Infinity;
      }
    }
  }
  const toCell = inverse(transformation);
  const folded = frac.map((x) => matvec(toCell, x));
  // The targets are the cell's sites (each the average of its copies): the N copies of a site
  // fold onto one point, and a grid holding them all would compare every atom with all of them.
  const grid = new PeriodicGrid(cell.structure.lattice.matrix, tol, cell.structure.fracCoords, cell.parentSites.map((i) => types[i]));
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
      worst = Math.max(worst, grid.nearestSquared(image, types[i]));
      if (worst === Infinity) return Infinity;
    }
  }
  return Math.sqrt(worst);
}
