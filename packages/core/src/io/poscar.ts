import { StructureError } from '../base/errors.ts';
import { isElement } from '../base/elements.ts';
import { det, inverse, vecmat, type Mat3, type Vec3 } from '../base/linalg.ts';
import { formula, type Structure } from '../base/structure.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { fixed } from './format-number.ts';
import { TextLines, firstTokens, quoteLine } from './lines.ts';
import { isDecimal, nonFiniteNumber, parseDecimal } from './numbers.ts';
import type { ReadResult } from './result.ts';
import { normalizeElementCase } from './species.ts';

const fail = (line: number, message: string): never => {
  throw new StructureError(`POSCAR line ${line}: ${message}`, { format: 'poscar', line });
};

/** Where the species of a POSCAR's blocks came from, as messages name it. */
interface SpeciesSource {
  species: string[];
  source: string;
}

/**
 * Reads a VASP 5 POSCAR/CONTCAR: comment, scale (negative: target volume in Å³; three values:
 * per-axis scale), lattice, element line, counts, optional Selective dynamics, Direct/Cartesian
 * and one line per atom. Velocity and predictor-corrector blocks after the coordinates are
 * ignored. A VASP 4 file (no element line) takes its species from `species`, else from the
 * element names after each coordinate or from the comment line (`Cd4 Te4`, `Cd Te`) when they
 * agree with the counts (with a warning); otherwise it is refused, saying why each was not used.
 * Element names after the coordinates must agree with the species used, whatever gave them, and
 * `species` must agree with an element line: two sources that disagree are refused, since either
 * may be the wrong one. Throws StructureError naming the line: a value that is not a finite
 * number (`NaN`, `Infinity`, `1e999`, `*****`) or not a number at all (`0x0`) is named.
 * Memory is linear in the lines read, not in the file: a long tail of blank lines costs nothing.
 */
export function readPoscar(text: string, options: { species?: string[] } = {}): ReadResult {
  const control = firstControlCharacter(text);
  if (control) fail(control.line, controlCharacterMessage(control));
  const lines = new TextLines(text);
  const lastLine = lines.lastNonBlank;
  const warnings: string[] = [];
  const line = (k: number, what: string): string => {
    if (k > lastLine) fail(k, `missing ${what}: the file ends at line ${lastLine}, truncated`);
    const l = lines.line(k)!;
    if (k > 1 && l.trim() === '') fail(k, `expected ${what}, found an empty line`);
    return l;
  };
  /**
   * Up to `max` numbers from the start of line k (VASP ignores what follows them, such as site
   * labels), and the token they stop at; a NaN or Infinity among them is named.
   */
  const leadingNumbers = (k: number, what: string, max: number): { values: number[]; stop?: string } => {
    const values: number[] = [];
    for (const tok of firstTokens(line(k, what), max)) {
      const x = parseDecimal(tok);
      if (!Number.isFinite(x)) {
        const problem = nonFiniteNumber(tok);
        if (problem) fail(k, `${what}: ${problem}`);
        return { values, stop: tok };
      }
      values.push(x);
    }
    return { values };
  };
  /** Three numbers from the start of line k, else an error naming the token that is not a number (or how many there were). */
  const vector = (k: number, what: string, plural = false): Vec3 => {
    const { values, stop } = leadingNumbers(k, what, 3);
    if (values.length < 3) {
      const shown = quoteLine(lines.line(k));
      const found = stop === undefined ? `found ${values.length} in '${shown}'` : `but '${quoteLine(stop, 20)}', value ${values.length + 1} of '${shown}', is not a number`;
      const truncated = k === lastLine && stop === undefined ? ': the file ends here, truncated' : '';
      fail(k, `${what} need${plural ? '' : 's'} three numbers, ${found}${truncated}`);
    }
    return [values[0], values[1], values[2]];
  };

  const scale = leadingNumbers(2, 'the scaling factor', 3);
  if (scale.values.length === 0) fail(2, `expected the scaling factor, found '${quoteLine(lines.line(2))}'`);
  if (scale.values.length === 2) fail(2, `expected one scaling factor or three (per axis), found two in '${quoteLine(lines.line(2))}'`);
  const raw = (['a', 'b', 'c'] as const).map((name, k) => vector(3 + k, `lattice vector ${name}`)) as Mat3;
  const { matrix, cartesianScale } = scaleLattice(raw, scale.values);

  // Line 6 holds element symbols (VASP 5) or, in VASP 4 files, already the counts.
  let k = 6;
  const sixth = line(6, 'the element line').trim();
  const vasp4 = isDecimal(firstTokens(sixth, 1)[0]);
  let given: SpeciesSource | undefined;
  const passed = options.species && options.species.length > 0 ? options.species.map(normalizeElementCase) : undefined;
  if (!vasp4) {
    // POTCAR-style names such as 'Fe_pv' or 'Fe/abc123' start with the element.
    const species = sixth.split(/\s+/).map((s) => normalizeElementCase(s.split(/[_/]/)[0]));
    const unknown = species.find((s) => !isElement(s));
    if (unknown !== undefined) fail(6, `unknown element '${unknown}' in the element line '${quoteLine(sixth)}'`);
    if (passed && passed.join(' ') !== species.join(' ')) {
      fail(6, `the element line names the species ${species.join(' ')}, but ${passed.join(' ')} were passed with the file: they disagree, so which is right is unknown; pass none (the element line is enough) or correct the file`);
    }
    given = { species, source: 'the element line (line 6)' };
    k = 7;
  } else if (passed) {
    given = { species: passed, source: 'the species passed with the file' };
  }
  const countLine = line(k, 'the atom counts').trim();
  const counts = countLine.split(/\s+/).map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.every((c) => c === 0)) {
    fail(k, `expected atom counts (whole numbers), found '${quoteLine(countLine)}'`);
  }
  if (given && counts.length !== given.species.length) {
    fail(k, `${counts.length} atom counts (${quoteLine(countLine)}) for ${given.species.length} species (${given.species.join(' ')}): they must match one to one`);
  }
  // Each atom needs a line: a larger total is a wrong count, and expanding it would exhaust memory.
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > lastLine) fail(k, `atom counts '${quoteLine(countLine)}' add up to more atoms than the file has lines (${lastLine})`);
  k++;

  let modeLine = line(k, "the 'Direct' or 'Cartesian' line").trim();
  const selective = /^s/i.test(modeLine);
  if (selective) {
    k++;
    modeLine = line(k, "the 'Direct' or 'Cartesian' line").trim();
  }
  // VASP reads only the first letter: C or K means Cartesian, anything else direct.
  const cartesian = /^[ck]/i.test(modeLine);
  k++;

  // What writers leave after each coordinate: an element name (pymatgen), a label, or nothing.
  const names = Array.from({ length: total }, (_, site) => nameAfterCoordinates(lines.line(k + site), selective));
  if (!given) {
    const fromNames = speciesFromNames(names, counts, k);
    const fromComment = speciesInComment(lines.line(1) ?? '', counts);
    given = 'species' in fromNames ? fromNames : 'species' in fromComment ? fromComment : undefined;
    if (!given) {
      const example = 'elements' in fromComment && fromComment.elements.length === counts.length ? fromComment.elements.join(' ') : exampleSpecies(counts.length);
      fail(
        6,
        `found atom counts '${quoteLine(sixth)}' where the element line belongs: this is a VASP 4 file without species, and none could be read beside the counts ` +
          `(${(fromNames as { reason: string }).reason}; ${(fromComment as { reason: string }).reason}). ` +
          `Add a line with the element symbols (e.g. '${example}') above the counts, or pass the species with the file ` +
          `(--species '${example}' on the command line, "species": [${example.split(' ').map((e) => `"${e}"`).join(', ')}] beside the structure in an API request)`,
      );
    }
    warnings.push(`POSCAR has no element line (VASP 4): read the species ${given!.species.join(' ')} from ${given!.source}`);
    if (given === fromNames && 'species' in fromComment && fromComment.species.join(' ') !== given!.species.join(' ')) {
      warnings.push(`POSCAR comment line '${quoteLine(lines.line(1))}' reads as the species ${fromComment.species.join(' ')}, which the element names after the coordinates contradict: used the names`);
    }
  }
  const species = given!.species;

  const siteSpecies: string[] = [];
  counts.forEach((c, s) => {
    for (let j = 0; j < c; j++) siteSpecies.push(species[s]);
  });
  // A name after the coordinates that contradicts the block's species: one of the two is wrong, and nothing says which.
  const conflict = names.findIndex((name, site) => name !== undefined && name !== siteSpecies[site]);
  if (conflict >= 0) {
    fail(
      k + conflict,
      `the element '${names[conflict]}' named after the coordinates of site ${conflict + 1} contradicts the species ${siteSpecies[conflict]} that ${given!.source} gives it: ` +
        `the file's two statements of species disagree, so which element each site holds is unknown; correct the names or the species`,
    );
  }
  const inv = cartesian && det(matrix) !== 0 ? inverse(matrix) : undefined;
  const fracCoords: Vec3[] = [];
  for (let site = 0; site < total; site++) {
    const p = vector(k + site, `coordinates of site ${site + 1} of ${total} (${siteSpecies[site]})`, true);
    fracCoords.push(inv ? vecmat([p[0] * cartesianScale[0], p[1] * cartesianScale[1], p[2] * cartesianScale[2]], inv) : p);
  }
  return { structure: { lattice: { matrix }, species: siteSpecies, fracCoords }, format: 'poscar', warnings };
}

/**
 * The element named after a site's coordinates (`0.5 0.5 0.5 Mg`, `... T T F O2-`; pymatgen writes
 * these), or undefined when the line names none (nothing, or a label that is not an element).
 */
function nameAfterCoordinates(line: string | undefined, selective: boolean): string | undefined {
  // Three coordinates, then three T/F flags under Selective dynamics, then the name.
  const tokens = firstTokens(line ?? '', 7);
  // Flags left behind without their 'Selective dynamics' line: 'F' there is no fluorine.
  if (!selective && tokens.length >= 6 && tokens.slice(3, 6).every((t) => /^[TF]$/i.test(t))) return undefined;
  const token = tokens[selective ? 6 : 3];
  const element = token === undefined ? undefined : /^([A-Z][a-z]?)[\d+-]*$/.exec(token)?.[1];
  return element !== undefined && isElement(element) ? element : undefined;
}

/**
 * The species of a VASP 4 file from the element names after its coordinates: every site named,
 * one element per block. Otherwise the reason they could not be used.
 */
function speciesFromNames(names: (string | undefined)[], counts: number[], firstSite: number): SpeciesSource | { reason: string } {
  const missing = names.indexOf(undefined);
  if (missing === 0) return { reason: 'no element names follow the coordinates' };
  if (missing > 0) return { reason: `line ${firstSite + missing} has no element name after its coordinates` };
  const species: string[] = [];
  let site = 0;
  for (const c of counts) {
    // A block of zero atoms names nothing, so its element cannot be known.
    if (c === 0) return { reason: 'a block of zero atoms has no name to give its element' };
    for (let j = 1; j < c; j++) {
      if (names[site + j] !== names[site]) {
        return { reason: `the names after the coordinates put ${names[site + j]} in a block of ${names[site]} (line ${firstSite + site + j})` };
      }
    }
    species.push(names[site]!);
    site += c;
  }
  return { species, source: 'the element names after the coordinates' };
}

/**
 * The species of a VASP 4 file from its comment line, as symbols (`Cd Te`, as ASE writes it) or
 * a formula (`Cd4 Te4`, pymatgen's default comment): one element per block, and the comment's
 * numbers, where it gives them, equal to the counts. Reading `Cd4 Te4` without that check gave H
 * and He in pymatgen 2022. Otherwise the reason it could not be used, and the elements it named.
 */
function speciesInComment(comment: string, counts: number[]): SpeciesSource | { reason: string; elements: string[] } {
  const quoted = `the comment line '${quoteLine(comment)}'`;
  const pairs: { element: string; count?: number }[] = [];
  const tokens = comment.trim() === '' ? [] : comment.trim().split(/[\s,]+/);
  if (tokens.length === 0) return { reason: 'the comment line is empty', elements: [] };
  for (const token of tokens) {
    // A token is one or more symbols, each with an optional count: 'Cd', 'Cd4', 'Cd4Te4', 'CdTe'.
    if (!/^(?:[A-Z][a-z]?\d*)+$/.test(token)) return { reason: `${quoted} is not a list of element symbols ('${quoteLine(token, 20)}' is not one)`, elements: [] };
    for (const m of token.matchAll(/([A-Z][a-z]?)(\d*)/g)) {
      if (!isElement(m[1])) return { reason: `${quoted} is not a list of element symbols ('${m[1]}' is not an element)`, elements: [] };
      pairs.push({ element: m[1], ...(m[2] ? { count: Number(m[2]) } : {}) });
    }
  }
  const elements = pairs.map((p) => p.element);
  if (pairs.length !== counts.length) {
    return { reason: `${quoted} names ${pairs.length} element${pairs.length === 1 ? '' : 's'} (${elements.join(' ')}) for ${counts.length} counts`, elements };
  }
  const off = pairs.findIndex((p, s) => p.count !== undefined && p.count !== counts[s]);
  if (off >= 0) {
    const numbers = pairs.map((p) => p.count ?? '-').join(' ');
    return { reason: `the comment's numbers ${numbers} do not match the counts ${counts.join(' ')} (${pairs[off].element}${pairs[off].count} where the count is ${counts[off]})`, elements };
  }
  return { species: elements, source: `the comment line '${quoteLine(comment)}'` };
}

/** The lattice after VASP's scaling, and the per-axis factor that Cartesian coordinates get too. */
function scaleLattice(raw: Mat3, scale: number[]): { matrix: Mat3; cartesianScale: Vec3 } {
  if (scale.length >= 3) {
    if (scale.slice(0, 3).some((s) => s <= 0)) fail(2, 'three scaling factors must all be positive');
    const f: Vec3 = [scale[0], scale[1], scale[2]];
    return { matrix: raw.map((row) => [row[0] * f[0], row[1] * f[1], row[2] * f[2]]) as Mat3, cartesianScale: f };
  }
  const s = scale[0];
  if (s === 0) fail(2, 'the scaling factor is zero');
  // A negative scale is the cell volume: stretch the lattice uniformly to it (a singular one is left for validation).
  const d = Math.abs(det(raw));
  const factor = s > 0 ? s : d > 0 ? Math.cbrt(-s / d) : 1;
  return { matrix: raw.map((row) => [row[0] * factor, row[1] * factor, row[2] * factor]) as Mat3, cartesianScale: [factor, factor, factor] };
}

function exampleSpecies(blocks: number): string {
  return ['Cd', 'Te', 'O', 'H'].slice(0, Math.min(blocks, 4)).join(' ');
}

/**
 * POSCAR (VASP 5) text: species grouped in order of first appearance, so sites are reordered
 * when the input interleaves species; direct coordinates with 16 decimals.
 */
export function writePoscar(s: Structure, options: { comment?: string } = {}): string {
  const order: string[] = [];
  const bySpecies = new Map<string, Vec3[]>();
  s.species.forEach((el, i) => {
    if (!bySpecies.has(el)) {
      bySpecies.set(el, []);
      order.push(el);
    }
    bySpecies.get(el)!.push(s.fracCoords[i]);
  });
  const num = (x: number) => fixed(x, 16).padStart(22);
  const comment = (options.comment ?? formula(s)).replace(/[\r\n]+/g, ' ').trim() || formula(s);
  const out = [comment, '1.0'];
  for (const row of s.lattice.matrix) out.push(row.map(num).join(''));
  out.push(order.map((el) => el.padStart(5)).join(''));
  out.push(order.map((el) => String(bySpecies.get(el)!.length).padStart(5)).join(''));
  out.push('Direct');
  for (const el of order) for (const f of bySpecies.get(el)!) out.push(`${f.map(num).join('')} ${el}`);
  return out.join('\n') + '\n';
}
