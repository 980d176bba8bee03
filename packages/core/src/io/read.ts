import { StructureError, type StructureFormat } from '../base/errors.ts';
import { readCif } from './cif/read.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { detectFormat } from './detect.ts';
import { readExtxyz } from './extxyz.ts';
import { readJson } from './json.ts';
import { readPoscar } from './poscar.ts';
import type { ReadResult } from './result.ts';
import { FORMAT_NAMES, validateStructure } from './validate.ts';

export type { ReadResult } from './result.ts';

/** A carriage return not followed by a line feed: a line ending of its own (classic Mac OS), not half of CRLF. */
const LONE_CR = /\r(?!\n)/;

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
  // trimStart shares the text's memory (a slice), however long the blank run.
  if (text.trimStart() === '') {
    throw new StructureError(text === '' ? 'the file is empty' : `the file holds only whitespace (${text.length} characters): it is empty`, { format: options.format ?? 'unknown' });
  }
  // Classic Mac OS ended lines with CR alone; each reader splits at LF (dropping the CR of CRLF).
  if (LONE_CR.test(text)) text = text.replace(/\r\n?/g, '\n');
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
  if (options.species && options.species.length > 0 && result.format !== 'poscar') {
    result.warnings.push(`species passed with the file (${options.species.join(' ')}) ignored: they name a VASP 4 POSCAR's blocks, and this file is ${FORMAT_NAMES[result.format]}, whose sites name their own elements`);
  }
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
