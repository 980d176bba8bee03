import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { applyOperation, orbitCentre } from '../symmetry/orbit.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';

/**
 * The primitive cell (analysis.primitive) with every atom moved onto the exact position its space
 * group (found at symprec) implies: each orbit's representative onto its special position, the
 * other members onto that representative's images. The interstitial search works on this cell: it
 * holds the crystal once, whatever supercell the input was, and its group has at most 48 operations.
 *
 * The tessellation needs this. Four atoms at the corners of a square (around a cube edge in rock
 * salt) share a whole Voronoi edge; noise of any size, even 1e-4 Å, turns that edge into a vertex
 * whose place along the edge depends only on the direction of the noise: a site that is not there.
 * The idealized atoms are within symprec of the given ones.
 */
export function idealizedStructure(analysis: SymmetryAnalysis): Structure {
  const { structure, operations, orbits } = analysis.primitive;
  const matrix = structure.lattice.matrix;
  const fracCoords = structure.fracCoords.map((f) => [f[0], f[1], f[2]] as Vec3);
  const representatives = new Map<number, Vec3>();
  orbits.forEach((rep, site) => {
    let ideal = representatives.get(rep);
    if (!ideal) {
      const members = structure.fracCoords.filter((_, i) => orbits[i] === rep);
      ideal = orbitCentre(operations, structure.lattice, members, 2 * analysis.symprec);
      representatives.set(rep, ideal);
    }
    const target = structure.fracCoords[site];
    let best: Vec3 | null = null;
    let bestDistance = Infinity;
    for (const op of operations) {
      const image = applyOperation(op, ideal);
      const d: Vec3 = [image[0] - target[0], image[1] - target[1], image[2] - target[2]];
      for (let k = 0; k < 3; k++) d[k] -= Math.round(d[k]);
      const x = d[0] * matrix[0][0] + d[1] * matrix[1][0] + d[2] * matrix[2][0];
      const y = d[0] * matrix[0][1] + d[1] * matrix[1][1] + d[2] * matrix[2][1];
      const z = d[0] * matrix[0][2] + d[1] * matrix[1][2] + d[2] * matrix[2][2];
      const distance = Math.sqrt(x * x + y * y + z * z);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = [target[0] + d[0], target[1] + d[1], target[2] + d[2]];
      }
    }
    // An atom that no image reaches within a few symprec keeps its place (it cannot happen for a consistent analysis).
    if (best && bestDistance <= 4 * analysis.symprec) fracCoords[site] = best;
  });
  return { ...structure, fracCoords };
}
