import type { Mat3, Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { loadMoyo } from './moyo.ts';
import { fromColumnMajor, toMoyoCell, toOperation } from './moyo-convert.ts';
import type { SymmetryOperation } from './types.ts';

/** A candidate space group of a primitive cell, as far as the analysis needs it (all in that cell's frame). */
export interface GroupChoice {
  number: number;
  hallNumber: number;
  /** Operations modulo the cell's lattice (integer rotations). */
  operations: SymmetryOperation[];
  /** Per site of the cell: index of the first site of its orbit. */
  orbits: number[];
  /** moyo's conventional standard cell: x_cell = conventionalLinear·x_s + conventionalOrigin. */
  conventionalLinear: Mat3;
  conventionalOrigin: Vec3;
  /** moyo's primitive standard basis: x_cell = primitiveLinear·x_primitive. */
  primitiveLinear: Mat3;
}

/**
 * moyo's space group of a primitive cell (`types` [n] per site) at one tolerance; null when moyo fails, or when it finds
 * pure translations the primitive cell should not have (they did not hold at the tolerance the
 * cell was made at, so this group is not one of that cell).
 */
export function moyoGroup(cell: Structure, types: number[], tolerance: number): GroupChoice | null {
  let dataset;
  try {
    dataset = loadMoyo().analyze_cell(JSON.stringify(toMoyoCell(cell.lattice, cell.fracCoords, types)), tolerance, 'Spglib');
  } catch {
    return null;
  }
  const operations = dataset.operations.map(toOperation);
  const pure = operations.filter((op) => op.rotation.every((row, i) => row.every((v, j) => v === (i === j ? 1 : 0))));
  if (pure.length > 1) return null;
  return {
    number: dataset.number,
    hallNumber: dataset.hall_number,
    operations,
    orbits: [...dataset.orbits],
    conventionalLinear: fromColumnMajor(dataset.std_linear),
    conventionalOrigin: [...dataset.std_origin_shift] as Vec3,
    primitiveLinear: fromColumnMajor(dataset.prim_std_linear),
  };
}

/** P1 on a cell of `sites` sites: what the analysis answers when no group holds within the tolerance. */
export function p1Group(sites: number): GroupChoice {
  const identity = (): Mat3 => [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  return {
    number: 1,
    hallNumber: 1,
    operations: [{ rotation: identity(), translation: [0, 0, 0] }],
    orbits: Array.from({ length: sites }, (_, i) => i),
    conventionalLinear: identity(),
    conventionalOrigin: [0, 0, 0],
    primitiveLinear: identity(),
  };
}
