import { atomicNumber } from '../base/elements.ts';
import { StructureError } from '../base/errors.ts';
import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, wrap01 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import type { MoyoOperation } from './moyo.ts';
import type { SymmetryOperation } from './types.ts';

/**
 * moyo serialises its 3×3 matrices (rotations, std_linear, prim_std_linear) column by column,
 * as nalgebra stores them; the lattice basis comes out as rows a, b, c for the same reason.
 */
export function fromColumnMajor(flat: readonly number[]): Mat3 {
  return [
    [flat[0], flat[3], flat[6]],
    [flat[1], flat[4], flat[7]],
    [flat[2], flat[5], flat[8]],
  ];
}

export function toOperation(op: MoyoOperation): SymmetryOperation {
  const r = fromColumnMajor(op.rotation);
  return {
    rotation: r.map((row) => row.map((v) => Math.round(v))) as Mat3,
    translation: op.translation.map((t) => wrap01(t)) as Vec3,
  };
}

/**
 * moyo's cell JSON. Sites differ in type when their element or their oxidation state differs,
 * so Fe2+ and Fe3+ on different sublattices are not treated as equivalent.
 */
export function toMoyoCellJson(structure: Structure): string {
  return JSON.stringify(toMoyoCell(structure.lattice, structure.fracCoords, siteTypes(structure)));
}

export function toMoyoCell(lattice: Lattice, positions: Vec3[], numbers: number[]) {
  return { lattice: { basis: lattice.matrix.flat() }, positions, numbers };
}

export function siteTypes(structure: Structure): number[] {
  const ids = new Map<string, number>();
  return structure.species.map((el, i) => {
    if (atomicNumber(el) === undefined) {
      throw new StructureError(`site ${i + 1}: '${el}' is not a chemical element`, { site: i + 1 }, 'unknown_element');
    }
    const key = `${el}|${structure.oxidationStates?.[i] ?? ''}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(key, id);
    }
    return id;
  });
}
