import { StructureError } from '../base/errors.ts';
import { isElement } from '../base/elements.ts';
import { toCartesian, toFractional } from '../base/lattice.ts';
import { inverse, det, type Mat3, type Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { fixed } from './format-number.ts';
import { TextLines, quoteLine } from './lines.ts';
import { nonFiniteNumber, parseDecimal } from './numbers.ts';
import type { ReadResult } from './result.ts';
import { parseSpeciesSymbol } from './species.ts';

const fail = (line: number, message: string): never => {
  throw new StructureError(`extxyz line ${line}: ${message}`, { format: 'extxyz', line });
};

/** key=value pairs of an extended XYZ comment line; values may be "quoted" or {braced}. Keys are lower-cased. */
export function parseExtxyzInfo(comment: string): Map<string, string> {
  const info = new Map<string, string>();
  const pair = /([A-Za-z_][\w-]*)\s*(?:=\s*("(?:[^"\\]|\\.)*"|\{[^}]*\}|[^\s"]+))?/g;
  for (const m of comment.matchAll(pair)) {
    const raw = m[2];
    const value = raw === undefined ? 'T' : raw.startsWith('"') || raw.startsWith('{') ? raw.slice(1, -1) : raw;
    info.set(m[1].toLowerCase(), value);
  }
  return info;
}

interface Column {
  name: string;
  type: string;
  start: number;
  count: number;
}

/**
 * Reads the first frame of an extended XYZ file (as ASE writes it): atom count, a comment line
 * with Lattice="ax ay az bx by bz cx cy cz" and Properties=..., then one line per atom with
 * Cartesian positions in Å.
 */
export function readExtxyz(text: string): ReadResult {
  const control = firstControlCharacter(text);
  if (control) fail(control.line, controlCharacterMessage(control));
  const lines = new TextLines(text);
  const warnings: string[] = [];
  const n = Number(lines.line(1)?.trim());
  if (!Number.isInteger(n) || n <= 0) fail(1, `expected the number of atoms, found '${quoteLine(lines.line(1))}'`);
  const comment = lines.line(2);
  if (comment === undefined) fail(2, 'missing the comment line with Lattice= and Properties=');
  const info = parseExtxyzInfo(comment!);
  const latticeText = info.get('lattice');
  if (latticeText === undefined) fail(2, 'no Lattice="..." on the comment line: a plain XYZ file has no cell, and a crystal structure needs one');
  const numbers = finiteNumbers(latticeText!.trim().split(/[\s,]+/), 2, 'Lattice');
  if (numbers.length !== 9) fail(2, `Lattice must hold nine numbers, found '${latticeText}'`);
  const matrix: Mat3 = [
    [numbers[0], numbers[1], numbers[2]],
    [numbers[3], numbers[4], numbers[5]],
    [numbers[6], numbers[7], numbers[8]],
  ];
  const pbc = info.get('pbc');
  if (pbc !== undefined && !/^\s*(t|true)\s+(t|true)\s+(t|true)\s*$/i.test(pbc)) {
    warnings.push(`extxyz pbc="${pbc}": read as periodic along all three lattice vectors`);
  }

  const columns = parseProperties(info.get('properties') ?? 'species:S:1:pos:R:3');
  const speciesCol = columns.find((c) => c.name === 'species' || c.name === 'symbols');
  const posCol = columns.find((c) => (c.name === 'pos' || c.name === 'positions') && c.count === 3);
  if (!speciesCol || !posCol) fail(2, `Properties must include species:S:1 and pos:R:3, found '${info.get('properties')}'`);
  const width = columns.reduce((w, c) => Math.max(w, c.start + c.count), 0);

  const inv = det(matrix) !== 0 ? inverse(matrix) : undefined;
  const structure: Structure = { lattice: { matrix }, species: [], fracCoords: [] };
  const oxidationStates: (number | null)[] = [];
  for (let k = 0; k < n; k++) {
    const lineNo = k + 3;
    const row = lines.line(lineNo)?.trim();
    if (row === undefined || row === '') fail(lineNo, `missing atom ${k + 1} of ${n}: the file ends early, truncated`);
    const tokens = row!.split(/\s+/);
    if (tokens.length < width) fail(lineNo, `atom ${k + 1} has ${tokens.length} columns, Properties needs ${width}`);
    const parsed = parseSpeciesSymbol(tokens[speciesCol!.start]);
    if (!isElement(parsed.element)) fail(lineNo, `unknown element '${parsed.element}' at atom ${k + 1}`);
    const cart = finiteNumbers(tokens.slice(posCol!.start, posCol!.start + 3), lineNo, `atom ${k + 1} position`);
    structure.species.push(parsed.element);
    // A singular cell is reported by validation; keep the Cartesian numbers meanwhile.
    structure.fracCoords.push(inv ? toFractional({ matrix }, cart as Vec3, inv) : (cart as Vec3));
    oxidationStates.push(parsed.oxidationState);
  }
  if (oxidationStates.some((o) => o !== null)) structure.oxidationStates = oxidationStates;
  if (lines.lastNonBlank > n + 2) warnings.push('extxyz file holds more than one frame: read the first');
  return { structure, format: 'extxyz', warnings };
}

/** Tokens as numbers; the first that is not a finite number is named with its line. */
function finiteNumbers(tokens: string[], line: number, what: string): number[] {
  return tokens.map((token) => {
    const x = parseDecimal(token);
    if (!Number.isFinite(x)) fail(line, `${what}: ${nonFiniteNumber(token) ?? `'${token}' is not a number`}`);
    return x;
  });
}

function parseProperties(spec: string): Column[] {
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) fail(2, `Properties '${spec}' is not a list of name:type:count`);
  const columns: Column[] = [];
  let start = 0;
  for (let k = 0; k < parts.length; k += 3) {
    const count = Number(parts[k + 2]);
    if (!Number.isInteger(count) || count < 1) fail(2, `Properties '${spec}': '${parts[k + 2]}' is not a column count`);
    columns.push({ name: parts[k].toLowerCase(), type: parts[k + 1].toUpperCase(), start, count });
    start += count;
  }
  return columns;
}

/** Extended XYZ that ASE reads: Lattice, Properties=species:S:1:pos:R:3, pbc, Cartesian positions in Å. */
export function writeExtxyz(s: Structure, options: { comment?: string } = {}): string {
  const num = (x: number) => fixed(x, 10);
  const lattice = s.lattice.matrix.flat().map(num).join(' ');
  let header = `Lattice="${lattice}" Properties=species:S:1:pos:R:3 pbc="T T T"`;
  if (options.comment) header += ` comment="${options.comment.replace(/["\\\r\n]/g, ' ')}"`;
  const out = [String(s.species.length), header];
  s.species.forEach((el, i) => {
    const c = toCartesian(s.lattice, s.fracCoords[i]);
    out.push(`${el.padEnd(2)} ${c.map((x) => num(x).padStart(16)).join(' ')}`);
  });
  return out.join('\n') + '\n';
}
