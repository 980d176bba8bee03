import { StructureError } from '../base/errors.ts';
import { isElement } from '../base/elements.ts';
import { det, inverse, vecmat, type Mat3, type Vec3 } from '../base/linalg.ts';
import { formula, type Structure } from '../base/structure.ts';
import { controlCharacterMessage, firstControlCharacter } from './control-characters.ts';
import { fixed } from './format-number.ts';
import { isDecimal, nonFiniteNumber, parseDecimal } from './numbers.ts';
import type { ReadResult } from './result.ts';
import { normalizeElementCase } from './species.ts';

const fail = (line: number, message: string): never => {
  throw new StructureError(`POSCAR line ${line}: ${message}`, { format: 'poscar', line });
};

/**
 * Reads a VASP 5 POSCAR/CONTCAR: comment, scale (negative: target volume in Å³; three values:
 * per-axis scale), lattice, element line, counts, optional Selective dynamics, Direct/Cartesian
 * and one line per atom. Velocity and predictor-corrector blocks after the coordinates are
 * ignored. A VASP 4 file (no element line) takes its species from `species`, else from the
 * element names after each coordinate or from the comment line (`Cd4 Te4`, `Cd Te`) when they
 * agree with the counts (with a warning); otherwise it is refused. Throws StructureError naming
 * the line: a value that is not a finite number (`NaN`, `Infinity`, `1e999`, `*****`) is named.
 */
export function readPoscar(text: string, options: { species?: string[] } = {}): ReadResult {
  const control = firstControlCharacter(text);
  if (control) fail(control.line, controlCharacterMessage(control));
  const lines = text.split(/\r?\n/);
  let lastLine = lines.length;
  while (lastLine > 0 && lines[lastLine - 1].trim() === '') lastLine--;
  const warnings: string[] = [];
  const line = (k: number, what: string): string => {
    if (k > lastLine) fail(k, `missing ${what}: the file ends at line ${lastLine}, truncated`);
    if (k > 1 && lines[k - 1].trim() === '') fail(k, `expected ${what}, found an empty line`);
    return lines[k - 1];
  };
  /** Leading numeric tokens of line k (VASP ignores what follows them, such as site labels); a NaN or Infinity among them is named. */
  const leadingNumbers = (k: number, what: string): number[] => {
    const out: number[] = [];
    for (const tok of line(k, what).trim().split(/\s+/)) {
      const x = parseDecimal(tok);
      if (Number.isFinite(x)) {
        out.push(x);
        continue;
      }
      const problem = nonFiniteNumber(tok);
      if (problem) fail(k, `${what}: ${problem}`);
      break;
    }
    return out;
  };

  const scaleNums = leadingNumbers(2, 'the scaling factor');
  if (scaleNums.length === 0) fail(2, `expected the scaling factor, found '${lines[1].trim()}'`);
  if (scaleNums.length === 2) fail(2, `expected one scaling factor or three (per axis), found two in '${lines[1].trim()}'`);
  const names = ['a', 'b', 'c'] as const;
  const raw = names.map((name, k) => {
    const v = leadingNumbers(3 + k, `lattice vector ${name}`);
    if (v.length < 3) fail(3 + k, `expected lattice vector ${name} as three numbers, found '${lines[2 + k].trim()}'`);
    return [v[0], v[1], v[2]] as Vec3;
  }) as Mat3;
  const { matrix, cartesianScale } = scaleLattice(raw, scaleNums);

  // Line 6 holds element symbols (VASP 5) or, in VASP 4 files, already the counts.
  let k = 6;
  const sixth = line(6, 'the element line').trim();
  const vasp4 = isDecimal(sixth.split(/\s+/)[0]);
  let species: string[] | undefined;
  if (!vasp4) {
    // POTCAR-style names such as 'Fe_pv' or 'Fe/abc123' start with the element.
    species = sixth.split(/\s+/).map((s) => normalizeElementCase(s.split(/[_/]/)[0]));
    const unknown = species.find((s) => !isElement(s));
    if (unknown !== undefined) fail(6, `unknown element '${unknown}' in the element line '${sixth}'`);
    if (options.species && options.species.join(' ') !== species.join(' ')) {
      warnings.push(`POSCAR names its species (${species.join(' ')}) on line 6: used those, not the ones passed (${options.species.join(' ')})`);
    }
    k = 7;
  } else if (options.species && options.species.length > 0) {
    species = options.species.map(normalizeElementCase);
  }
  const countLine = line(k, 'the atom counts').trim();
  const counts = countLine.split(/\s+/).map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.every((c) => c === 0)) {
    fail(k, `expected atom counts (whole numbers), found '${countLine}'`);
  }
  if (species && counts.length !== species.length) {
    fail(k, `${counts.length} atom counts (${countLine}) for ${species.length} species (${species.join(' ')}): they must match one to one`);
  }
  // Each atom needs a line: a larger total is a wrong count, and expanding it would exhaust memory.
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > lastLine) fail(k, `atom counts '${countLine}' add up to more atoms than the file has lines (${lastLine})`);
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

  if (!species) {
    const guess = vasp4Species(lines.slice(0, lastLine), k, counts, selective);
    if (!guess) {
      fail(
        6,
        `found atom counts '${sixth}' where the element line belongs: this is a VASP 4 file without species. ` +
          `Add a line with the element symbols (e.g. '${exampleSpecies(sixth)}') above the counts, or pass the species with the file`,
      );
    }
    species = guess!.species;
    warnings.push(`POSCAR has no element line (VASP 4): read the species ${species.join(' ')} from ${guess!.source}`);
  }

  const siteSpecies: string[] = [];
  counts.forEach((c, s) => {
    for (let j = 0; j < c; j++) siteSpecies.push(species![s]);
  });
  const inv = cartesian && det(matrix) !== 0 ? inverse(matrix) : undefined;
  const fracCoords: Vec3[] = [];
  for (let site = 0; site < total; site++) {
    const n = k + site;
    const what = `coordinates of site ${site + 1} of ${total} (${siteSpecies[site]})`;
    const v = leadingNumbers(n, what);
    if (v.length < 3) {
      const truncated = n === lastLine ? ': the file ends here, truncated' : '';
      fail(n, `${what} need three numbers, found ${v.length} in '${lines[n - 1].trim()}'${truncated}`);
    }
    const p: Vec3 = [v[0], v[1], v[2]];
    fracCoords.push(inv ? vecmat([p[0] * cartesianScale[0], p[1] * cartesianScale[1], p[2] * cartesianScale[2]], inv) : p);
  }
  return { structure: { lattice: { matrix }, species: siteSpecies, fracCoords }, format: 'poscar', warnings };
}

/**
 * The species of a VASP 4 file, from what writers leave beside the counts: an element name after
 * each coordinate (pymatgen writes these), else the comment line as symbols (`Cd Te`, as ASE
 * writes it) or a formula (`Cd4 Te4`, pymatgen's default comment). A guess is used only when it
 * fits the counts: one element per species block, and the comment's numbers equal to the counts
 * where it gives them. Reading `Cd4 Te4` without that check gave H and He in pymatgen 2022.
 */
function vasp4Species(lines: string[], firstSite: number, counts: number[], selective: boolean): { species: string[]; source: string } | undefined {
  return speciesAfterCoordinates(lines, firstSite, counts, selective) ?? speciesInComment(lines[0], counts);
}

function speciesAfterCoordinates(lines: string[], firstSite: number, counts: number[], selective: boolean) {
  const species: string[] = [];
  let n = firstSite;
  for (const c of counts) {
    let block: string | undefined;
    for (let j = 0; j < c; j++, n++) {
      // Three coordinates, then three T/F flags under Selective dynamics, then the name.
      const token = (lines[n - 1] ?? '').trim().split(/\s+/)[selective ? 6 : 3];
      const element = token === undefined ? undefined : /^([A-Z][a-z]?)[\d+-]*$/.exec(token)?.[1];
      if (element === undefined || !isElement(element) || (block !== undefined && element !== block)) return undefined;
      block = element;
    }
    // A block of zero atoms names nothing, so its element cannot be known.
    if (block === undefined) return undefined;
    species.push(block);
  }
  return { species, source: 'the element names after the coordinates' };
}

function speciesInComment(comment: string | undefined, counts: number[]) {
  const tokens = (comment ?? '').trim().split(/[\s,]+/);
  const pairs: { element: string; count?: number }[] = [];
  for (const token of tokens) {
    // A token is one or more symbols, each with an optional count: 'Cd', 'Cd4', 'Cd4Te4', 'CdTe'.
    if (!/^(?:[A-Z][a-z]?\d*)+$/.test(token)) return undefined;
    for (const m of token.matchAll(/([A-Z][a-z]?)(\d*)/g)) {
      if (!isElement(m[1])) return undefined;
      pairs.push({ element: m[1], ...(m[2] ? { count: Number(m[2]) } : {}) });
    }
  }
  if (pairs.length !== counts.length || pairs.some((p, s) => p.count !== undefined && p.count !== counts[s])) return undefined;
  return { species: pairs.map((p) => p.element), source: `the comment line '${comment!.trim()}'` };
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

function exampleSpecies(countLine: string): string {
  const n = countLine.split(/\s+/).length;
  return ['Cd', 'Te', 'O', 'H'].slice(0, Math.min(n, 4)).join(' ');
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
