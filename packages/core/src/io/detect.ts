import type { StructureFormat } from '../base/errors.ts';
import { COMPRESSED_EXTENSIONS } from './compression.ts';
import { TextLines, firstTokens } from './lines.ts';
import { isDecimal, nonFiniteNumber } from './numbers.ts';

/** A compression's ending, which hides the format's own: `CdTe.cif.gz`, `POSCAR.bz2`. */
const COMPRESSED_SUFFIX = new RegExp(`\\.(?:${COMPRESSED_EXTENSIONS.join('|')})$`);

/** The format a filename suggests: POSCAR/CONTCAR/*.vasp, *.cif, *.json, *.extxyz/*.xyz, each also with .gz, .bz2 or .xz after it. */
export function formatFromFilename(filename: string | undefined): StructureFormat | undefined {
  if (!filename) return undefined;
  const base = filename.split(/[\\/]/).pop()!.toLowerCase().replace(COMPRESSED_SUFFIX, '');
  if (/\.(cif|mcif)$/.test(base)) return 'cif';
  if (/\.json$/.test(base)) return 'json';
  if (/\.(extxyz|xyz)$/.test(base)) return 'extxyz';
  if (/\.(vasp|poscar)$/.test(base) || /^(poscar|contcar)/.test(base)) return 'poscar';
  return undefined;
}

/**
 * The format of a structure file judged from its content, with the filename breaking ties;
 * undefined when the text looks like no structure format we read. JSON is reported as 'json'
 * (the JSON reader tells pymatgen dicts from the plain form).
 */
export function detectFormat(text: string, filename?: string): StructureFormat | undefined {
  const hint = formatFromFilename(filename);
  const trimmed = text.trimStart();
  if (trimmed === '') return undefined;
  // The first 400 lines, split one by one: a split of the whole text would cost an array slot per line.
  const all = new TextLines(text);
  const lines: string[] = [];
  for (let k = 1; k <= 400; k++) {
    const line = all.line(k);
    if (line === undefined) break;
    lines.push(line);
  }
  // The POSCAR and extxyz shapes are strict (numbers on fixed lines) while a brace or a CIF
  // marker could sit in a POSCAR comment, so they are tested first.
  if (looksLikeExtxyz(lines)) return 'extxyz';
  if (looksLikePoscar(lines)) return 'poscar';
  if (trimmed[0] === '{') return 'json';
  if (looksLikeCif(lines)) return 'cif';
  // The content is inconclusive: trust a filename that names a text format, which gives a precise error.
  if (hint) return hint;
  return undefined;
}

function looksLikeCif(lines: string[]): boolean {
  return lines.some((l) => /^\s*(data_\S*|loop_|_cell_length_a\b|_atom_site_)/i.test(l));
}

function looksLikeExtxyz(lines: string[]): boolean {
  return /^\s*\d+\s*$/.test(lines[0] ?? '') && /lattice\s*=/i.test(lines[1] ?? '');
}

/** Line 2 is a scale (one or three numbers) and lines 3-5 are vectors of three numbers. */
function looksLikePoscar(lines: string[]): boolean {
  const numbers = (l: string | undefined) => {
    const toks = firstTokens(l ?? '', 3);
    let k = 0;
    // NaN and Infinity count, so that the POSCAR reader can name them rather than detection fail.
    while (k < toks.length && (isDecimal(toks[k]) || nonFiniteNumber(toks[k]) !== undefined)) k++;
    return k;
  };
  const scale = numbers(lines[1]);
  return (scale === 1 || scale >= 3) && numbers(lines[2]) >= 3 && numbers(lines[3]) >= 3 && numbers(lines[4]) >= 3;
}
