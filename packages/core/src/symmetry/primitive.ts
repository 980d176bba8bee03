import { type Vec3, det, inverse, matvec, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { coincide } from './orbit.ts';
import type { SymmetryAnalysis } from './types.ts';

export interface PrimitiveCell {
  /** The primitive cell in the input's Cartesian frame: atoms keep their Cartesian positions. */
  structure: Structure;
  /** Per primitive site, the index of the input site it was taken from. */
  parentSites: number[];
}

/**
 * A primitive cell of the structure, never rotated and never shifted: the lattice is moyo's
 * primitive basis written in the input's Cartesian frame, and the atoms are the input's own atoms
 * (unsymmetrized) folded into it, the first of each set of lattice-translation copies kept.
 * When tolerance effects make that fold disagree with the cell volume, the input cell is returned.
 */
export function primitiveCell(structure: Structure, analysis: SymmetryAnalysis): PrimitiveCell {
  const t = analysis.primitive.transformation;
  const ratio = Math.abs(det(t));
  const expected = Math.round(structure.species.length * ratio);
  const toPrimitive = inverse(t);
  const lattice = analysis.primitive.lattice;
  const fracCoords: Vec3[] = [];
  const parentSites: number[] = [];
  structure.fracCoords.forEach((x, i) => {
    const y = wrapVec(matvec(toPrimitive, x));
    const duplicate = parentSites.some(
      (j, k) => structure.species[j] === structure.species[i] && coincide(lattice, fracCoords[k], y, analysis.symprec),
    );
    if (!duplicate) {
      fracCoords.push(y);
      parentSites.push(i);
    }
  });
  if (fracCoords.length !== expected || Math.abs(structure.species.length * ratio - expected) > 1e-6) {
    return { structure, parentSites: structure.species.map((_, i) => i) };
  }
  const primitive: Structure = {
    lattice,
    species: parentSites.map((i) => structure.species[i]),
    fracCoords,
  };
  if (structure.oxidationStates) primitive.oxidationStates = parentSites.map((i) => structure.oxidationStates![i]);
  if (structure.labels) primitive.labels = parentSites.map((i) => structure.labels![i]);
  return { structure: primitive, parentSites };
}
