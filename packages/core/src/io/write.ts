import type { Structure } from '../base/structure.ts';
import { writeCif } from './cif/write.ts';
import { writeExtxyz } from './extxyz.ts';
import { writePoscar } from './poscar.ts';
import { writePymatgenJson } from './pymatgen-json.ts';

export type OutputFormat = 'poscar' | 'cif' | 'pymatgen' | 'extxyz';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['poscar', 'cif', 'pymatgen', 'extxyz'];

/**
 * Writes a structure as POSCAR (VASP 5; sites grouped by species, so possibly reordered), P1 CIF,
 * pymatgen Structure JSON or extended XYZ. `comment` goes where the format has room for one.
 */
export function writeStructure(s: Structure, format: OutputFormat, options: { comment?: string } = {}): string {
  switch (format) {
    case 'poscar':
      return writePoscar(s, options);
    case 'cif':
      return writeCif(s, options);
    case 'pymatgen':
      return writePymatgenJson(s);
    case 'extxyz':
      return writeExtxyz(s, options);
    default:
      throw new RangeError(`unknown output format '${String(format)}': expected poscar, cif, pymatgen or extxyz`);
  }
}
