import { PAULING_ELECTRONEGATIVITY } from './electronegativity.ts';
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

/**
 * Reduced formula as pymatgen's `Composition.reduced_formula` writes it, whatever the order of
 * the sites: elements by increasing Pauling electronegativity (ties by symbol, elements without
 * one last), counts divided by their greatest common divisor, and the two most electronegative
 * elements written as a polyanion when their electronegativities differ by less than 1.65 and the
 * group repeats (pymatgen's `reduce_formula`): `KMnF3`, `SrTiO3`, `Al2O3`, `Ca3(PO4)2`, `LiFePO4`.
 */
export function formula(structure: Structure): string {
  return reducedFormula(elementCounts(structure)).formula;
}

const POLYANION_ELECTRONEGATIVITY_GAP = 1.65;

function reducedFormula(counts: Map<string, number>): { formula: string; factor: number } {
  const x = (el: string) => PAULING_ELECTRONEGATIVITY[el] ?? Infinity;
  // Infinity - Infinity is NaN, which falls through to the symbol as for equal values.
  const symbols = [...counts.keys()].sort((a, b) => x(a) - x(b) || (a < b ? -1 : a > b ? 1 : 0));
  const factor = [...counts.values()].reduce((a, b) => gcd(a, b), 0) || 1;
  let polyanion = '';
  let leading = symbols;
  const [second, last] = symbols.slice(-2);
  if (symbols.length >= 3 && x(last) - x(second) < POLYANION_ELECTRONEGATIVITY_GAP) {
    const group = reducedFormula(new Map([[second, counts.get(second)! / factor], [last, counts.get(last)! / factor]]));
    if (group.factor !== 1) {
      polyanion = `(${group.formula})${group.factor}`;
      leading = symbols.slice(0, -2);
    }
  }
  const amount = (el: string) => counts.get(el)! / factor;
  return { formula: leading.map((el) => (amount(el) === 1 ? el : `${el}${amount(el)}`)).join('') + polyanion, factor };
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
