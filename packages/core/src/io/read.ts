import { StructureError, type StructureFormat } from '../base/errors.ts';
import { readCif } from './cif/read.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { detectFormat } from './detect.ts';
import { readExtxyz } from './extxyz.ts';
import { readJson } from './json.ts';
import { readPoscar } from './poscar.ts';
import type { ReadResult } from './result.ts';
import { validateStructure } from './validate.ts';

export type { ReadResult } from './result.ts';

export interface ReadOptions {
  /** Skip detection and read as this format. */
  format?: StructureFormat;
  /** Helps detection when the content is ambiguous (POSCAR, CONTCAR, *.vasp, *.cif, *.json, *.xyz, each also with .gz, .bz2 or .xz). */
  filename?: string;
  /** Element of each species block, for VASP 4 POSCARs that have no element line. */
  species?: string[];
}

/**
 * Reads a crystal structure from the text of a CIF, POSCAR/CONTCAR, pymatgen JSON, plain JSON
 * or extended XYZ file and validates it. Throws StructureError naming the format, the line or
 * site, and the problem. A file's bytes, compressed or not, become text with decodeStructureFile.
 */
export function readStructure(text: string, options: ReadOptions = {}): ReadResult {
  if (typeof text !== 'string') throw new StructureError('not a recognised structure: expected text', { format: 'unknown' });
  // Editors on Windows may prefix a byte-order mark, which no format allows.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = options.format ?? detectFormat(text, options.filename);
  if (!format) {
    // Binary data (a compressed file sent as text, say) is named as such rather than as an unknown format.
    const control = firstControlCharacter(text);
    if (control) throw new StructureError(`not a recognised structure: line ${control.line} holds ${controlCharacterMessage(control)}`, { format: 'unknown', line: control.line });
    throw new StructureError('not a recognised structure: expected CIF, POSCAR, extended XYZ or JSON (pymatgen Structure or {lattice, species, frac_coords})', {
      format: 'unknown',
    });
  }
  const result = readAs(text, format, options);
  validateStructure(result.structure, result.format);
  return result;
}

function readAs(text: string, format: StructureFormat, options: ReadOptions): ReadResult {
  switch (format) {
    case 'cif':
      return readCif(text);
    case 'poscar':
      return readPoscar(text, { species: options.species });
    case 'pymatgen':
    case 'json':
      return readJson(text, format);
    case 'extxyz':
      return readExtxyz(text);
  }
}
