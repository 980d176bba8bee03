import { StructureError } from '../base/errors.ts';
import { isElement } from '../base/elements.ts';
import { det, inverse, vecmat, type Mat3, type Vec3 } from '../base/linalg.ts';
import { formula, type Structure } from '../base/structure.ts';
import { fixed } from './format-number.ts';
import type { ReadResult } from './result.ts';
import { normalizeElementCase } from './species.ts';

const fail = (line: number, message: string): never => {
  throw new StructureError(`POSCAR line ${line}: ${message}`, { format: 'poscar', line });
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const toNumber = (tok: string) => (NUMBER.test(tok) ? Number(tok.replace(/[dD]/, 'e')) : NaN);

/** Leading numeric tokens of a line (VASP ignores whatever follows them, such as site labels). */
function leadingNumbers(line: string): number[] {
  const out: number[] = [];
  for (const tok of line.trim().split(/\s+/)) {
    const x = toNumber(tok);
    if (!Number.isFinite(x)) break;
    out.push(x);
  }
  return out;
}

/**
 * Reads a VASP 5 POSCAR/CONTCAR: comment, scale (negative: target volume in Å³; three values:
 * per-axis scale), lattice, element line, counts, optional Selective dynamics, Direct/Cartesian
 * and one line per atom. Velocity and predictor-corrector blocks after the coordinates are
 * ignored. A VASP 4 file (no element line) needs `species`.
 */
export function readPoscar(text: string, options: { species?: string[] } = {}): ReadResult {
  const lines = text.split(/\r?\n/);
  let lastLine = lines.length;
  while (lastLine > 0 && lines[lastLine - 1].trim() === '') lastLine--;
  const warnings: string[] = [];
  const line = (k: number, what: string): string => {
    if (k > lastLine) fail(k, `missing ${what}: the file ends at line ${lastLine}, truncated`);
    if (k > 1 && lines[k - 1].trim() === '') fail(k, `expected ${what}, found an empty line`);
    return lines[k - 1];
  };

  const scaleNums = leadingNumbers(line(2, 'the scaling factor'));
  if (scaleNums.length === 0) fail(2, `expected the scaling factor, found '${lines[1].trim()}'`);
  if (scaleNums.length === 2) fail(2, `expected one scaling factor or three (per axis), found two in '${lines[1].trim()}'`);
  const names = ['a', 'b', 'c'] as const;
  const raw = names.map((name, k) => {
    const v = leadingNumbers(line(3 + k, `lattice vector ${name}`));
    if (v.length < 3) fail(3 + k, `expected lattice vector ${name} as three numbers, found '${lines[2 + k].trim()}'`);
    return [v[0], v[1], v[2]] as Vec3;
  }) as Mat3;
  const { matrix, cartesianScale } = scaleLattice(raw, scaleNums);

  // Line 6 holds element symbols (VASP 5) or, in VASP 4 files, already the counts.
  let k = 6;
  const sixth = line(6, 'the element line').trim();
  let species: string[];
  if (leadingNumbers(sixth).length > 0) {
    if (!options.species || options.species.length === 0) {
      fail(
        6,
        `found atom counts '${sixth}' where the element line belongs: this is a VASP 4 file without species. ` +
          `Add a line with the element symbols (e.g. '${exampleSpecies(sixth)}') above the counts, or pass the species with the file`,
      );
    }
    species = options.species!.map(normalizeElementCase);
  } else {
    // POTCAR-style names such as 'Fe_pv' or 'Fe/abc123' start with the element.
    species = sixth.split(/\s+/).map((s) => normalizeElementCase(s.split(/[_/]/)[0]));
    const unknown = species.find((s) => !isElement(s));
    if (unknown !== undefined) fail(6, `unknown element '${unknown}' in the element line '${sixth}'`);
    if (options.species && options.species.join(' ') !== species.join(' ')) {
      warnings.push(`POSCAR names its species (${species.join(' ')}) on line 6: used those, not the ones passed (${options.species.join(' ')})`);
    }
    k = 7;
  }
  const countLine = line(k, 'the atom counts').trim();
  const counts = countLine.split(/\s+/).map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.every((c) => c === 0)) {
    fail(k, `expected atom counts (whole numbers), found '${countLine}'`);
  }
  if (counts.length !== species.length) {
    fail(k, `${counts.length} atom counts (${countLine}) for ${species.length} species (${species.join(' ')}): they must match one to one`);
  }
  // Each atom needs a line: a larger total is a wrong count, and expanding it would exhaust memory.
  if (counts.reduce((a, b) => a + b, 0) > lastLine) fail(k, `atom counts '${countLine}' add up to more atoms than the file has lines (${lastLine})`);
  k++;

  let modeLine = line(k, "the 'Direct' or 'Cartesian' line").trim();
  if (/^s/i.test(modeLine)) {
    k++;
    modeLine = line(k, "the 'Direct' or 'Cartesian' line").trim();
  }
  // VASP reads only the first letter: C or K means Cartesian, anything else direct.
  const cartesian = /^[ck]/i.test(modeLine);
  k++;

  const total = counts.reduce((a, b) => a + b, 0);
  const siteSpecies: string[] = [];
  counts.forEach((c, s) => {
    for (let j = 0; j < c; j++) siteSpecies.push(species[s]);
  });
  const inv = cartesian && det(matrix) !== 0 ? inverse(matrix) : undefined;
  const fracCoords: Vec3[] = [];
  for (let site = 0; site < total; site++) {
    const n = k + site;
    const what = `coordinates of site ${site + 1} of ${total} (${siteSpecies[site]})`;
    const v = leadingNumbers(line(n, what));
    if (v.length < 3) {
      const truncated = n === lastLine ? ': the file ends here, truncated' : '';
      fail(n, `${what} need three numbers, found ${v.length} in '${lines[n - 1].trim()}'${truncated}`);
    }
    const p: Vec3 = [v[0], v[1], v[2]];
    fracCoords.push(inv ? vecmat([p[0] * cartesianScale[0], p[1] * cartesianScale[1], p[2] * cartesianScale[2]], inv) : p);
  }
  return { structure: { lattice: { matrix }, species: siteSpecies, fracCoords }, format: 'poscar', warnings };
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
