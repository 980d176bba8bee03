import { StructureError, type StructureFormat } from '../base/errors.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { jsonErrorOffset } from './json-syntax.ts';
import { lineOf } from './lines.ts';
import { isRecord, jsonFail } from './json-values.ts';
import { readPlainJson } from './plain-json.ts';
import { readPymatgenDict } from './pymatgen-json.ts';
import type { ReadResult } from './result.ts';

/** Parses JSON text and reads it as a pymatgen Structure dict or the plain {lattice, species, frac_coords} form. */
export function readJson(text: string, format: StructureFormat = 'json'): ReadResult {
  const name = format === 'pymatgen' ? 'pymatgen JSON' : 'JSON';
  const control = firstControlCharacter(text);
  if (control) throw new StructureError(`${name} line ${control.line}: ${controlCharacterMessage(control)}`, { format, line: control.line });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const line = lineOf(text, jsonErrorOffset(text));
    throw new StructureError(`${name} line ${line}: not valid JSON (${(e as Error).message})`, { format, line });
  }
  if (!isRecord(data)) jsonFail(format, 'expected an object with a lattice and sites');
  const d = data as Record<string, unknown>;
  if (Array.isArray(d.sites) || d['@class'] === 'Structure' || d['@class'] === 'IStructure' || d['@class'] === 'Molecule') return readPymatgenDict(d);
  // Entries (ComputedStructureEntry and the like) wrap the structure.
  if (isRecord(d.structure) && Array.isArray(d.structure.sites)) {
    const result = readPymatgenDict(d.structure);
    result.warnings.push(`read the "structure" inside this ${String(d['@class'] ?? 'object')}`);
    return result;
  }
  if ('species' in d || 'frac_coords' in d || 'cart_coords' in d) return readPlainJson(d);
  return jsonFail(format, `expected a pymatgen Structure ("lattice", "sites") or { "lattice", "species", "frac_coords" }, found keys ${Object.keys(d).slice(0, 8).join(', ') || '(none)'}`);
}
