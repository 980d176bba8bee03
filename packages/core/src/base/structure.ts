import type { Lattice } from './lattice.ts';
import type { Vec3 } from './linalg.ts';

/** An ordered crystal structure: every site fully occupied by one element. */
export interface Structure {
  lattice: Lattice;
  /** Element symbol of each site. */
  species: string[];
  /** Fractional coordinates of each site, in the lattice's basis. */
  fracCoords: Vec3[];
  /** Oxidation state of each site when the input was decorated (`Fe2+`), else absent. */
  oxidationStates?: (number | null)[];
  /** Site labels from the input (CIF `_atom_site_label`, pymatgen `label`), else absent. */
  labels?: string[];
}

/** Reduced formula in the order elements first appear, e.g. `CdTe`, `Al2O3`, `SrTiO3`. */
export function formula(structure: Structure): string {
  const counts = elementCounts(structure);
  const values = [...counts.values()];
  const g = values.reduce((a, b) => gcd(a, b), 0) || 1;
  return [...counts].map(([el, n]) => (n / g === 1 ? el : `${el}${n / g}`)).join('');
}

/** Formula of the whole cell, not reduced, elements in order of first appearance: `Cd27Te27` for a 54-atom CdTe supercell. */
export function cellFormula(structure: Structure): string {
  return [...elementCounts(structure)].map(([el, n]) => `${el}${n}`).join('');
}

function elementCounts(structure: Structure): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of structure.species) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
