import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, matmul, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';

export type IntMatrix = [[number, number, number], [number, number, number], [number, number, number]];

export function integerDeterminant(m: IntMatrix): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/**
 * Upper-triangular Hermite normal form of the row lattice of `m` (same rows span, integer row
 * operations only): h00 > 0, h11 > 0, h22 > 0 and the entries above each pivot reduced into
 * [0, pivot). Its diagonal enumerates the supercell's lattice points directly.
 */
export function hermiteNormalForm(m: IntMatrix): IntMatrix {
  const h = m.map((r) => [...r]) as IntMatrix;
  for (let col = 0; col < 3; col++) {
    // Euclid on the rows col..2 until only row `col` has a non-zero entry in this column.
    for (;;) {
      let pivot = -1;
      for (let r = col; r < 3; r++) {
        if (h[r][col] !== 0 && (pivot < 0 || Math.abs(h[r][col]) < Math.abs(h[pivot][col]))) pivot = r;
      }
      if (pivot < 0) throw new RangeError('singular supercell matrix');
      [h[col], h[pivot]] = [h[pivot], h[col]];
      let done = true;
      for (let r = col + 1; r < 3; r++) {
        const q = Math.floor(h[r][col] / h[col][col]);
        if (q !== 0) for (let k = 0; k < 3; k++) h[r][k] -= q * h[col][k];
        if (h[r][col] !== 0) done = false;
      }
      if (done) break;
    }
    if (h[col][col] < 0) for (let k = 0; k < 3; k++) h[col][k] = -h[col][k];
  }
  for (let col = 1; col < 3; col++) {
    for (let r = 0; r < col; r++) {
      const q = Math.floor(h[r][col] / h[col][col]);
      if (q !== 0) for (let k = 0; k < 3; k++) h[r][k] -= q * h[col][k];
    }
  }
  return h.map((row) => row.map((v) => v + 0)) as IntMatrix; // no -0 entries
}

/**
 * The base-cell lattice translations inside the supercell (one per coset of the supercell
 * lattice): with the row HNF upper triangular, (i, j, k) for i < h00, j < h11, k < h22 is a
 * complete, non-redundant set.
 */
export function latticePointsInSupercell(matrix: IntMatrix): Vec3[] {
  const h = hermiteNormalForm(matrix);
  const points: Vec3[] = [];
  for (let i = 0; i < h[0][0]; i++) for (let j = 0; j < h[1][1]; j++) for (let k = 0; k < h[2][2]; k++) points.push([i, j, k]);
  return points;
}

/**
 * The supercell whose rows are `matrix` · (base rows), in the base's Cartesian frame. Sites are
 * ordered site by site (all images of base site 0, then of site 1…), as pymatgen orders them.
 */
export function buildSupercell(base: Structure, matrix: IntMatrix): { structure: Structure; parentSites: number[] } {
  const det = integerDeterminant(matrix);
  const lattice: Lattice = { matrix: matmul(matrix as Mat3, base.lattice.matrix) };
  const translations = latticePointsInSupercell(matrix);
  // Fractional coordinates in the supercell: (x + n)·M⁻¹, with M⁻¹ = adj(M)/det kept in integers.
  const adj = adjugate(matrix);
  const species: string[] = [];
  const fracCoords: Vec3[] = [];
  const parentSites: number[] = [];
  const ox: (number | null)[] = [];
  const labels: string[] = [];
  base.fracCoords.forEach((x, site) => {
    for (const n of translations) {
      const p: Vec3 = [x[0] + n[0], x[1] + n[1], x[2] + n[2]];
      const f: Vec3 = [0, 1, 2].map((c) => (p[0] * adj[0][c] + p[1] * adj[1][c] + p[2] * adj[2][c]) / det) as Vec3;
      species.push(base.species[site]);
      fracCoords.push(wrapVec(f));
      parentSites.push(site);
      if (base.oxidationStates) ox.push(base.oxidationStates[site]);
      if (base.labels) labels.push(base.labels[site]);
    }
  });
  const structure: Structure = { lattice, species, fracCoords };
  if (base.oxidationStates) structure.oxidationStates = ox;
  if (base.labels) structure.labels = labels;
  return { structure, parentSites };
}

function adjugate(m: IntMatrix): IntMatrix {
  return [
    [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
    [m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
    [m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
  ];
}
