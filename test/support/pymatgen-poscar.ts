import { isElement } from '@defect-candidates/core';

/** What pymatgen's `Poscar.from_str` makes of a POSCAR: per site its element and its three coordinates as written. */
export interface PymatgenPoscar {
  comment: string;
  lattice: number[][];
  symbols: string[];
  counts: number[];
  cartesian: boolean;
  /** Element of each site. */
  species: string[];
  /** The three coordinate tokens of each site's line, as text (so equal numbers compare equal exactly). */
  coordTokens: string[][];
  coords: number[][];
}

/**
 * Reads a POSCAR by the rules of pymatgen's `Poscar.from_str` (materialsproject/pymatgen,
 * `src/pymatgen/io/vasp/inputs.py`, with `clean_lines` from `src/pymatgen/util/io_utils.py`), and
 * throws where pymatgen would fail, or would succeed only by guessing (element names it cannot find):
 *
 * 1. The text, right-stripped, is cut at blank lines (`re.split(r"\n\s*\n", ...)`); the first chunk
 *    holds the structure, a second one would be read as velocities (numbers only), a third as
 *    predictor-corrector data. A blank line inside the header or the coordinates breaks the file.
 * 2. Every line loses what follows a `#` and its surrounding whitespace (`clean_lines`), so a `#` in
 *    the comment line only shortens the comment.
 * 3. Line 1 is the comment; line 2 the scale, one float (negative: the cell volume).
 * 4. Lines 3–5: the lattice vectors, three floats each.
 * 5. Line 6: integers mean VASP 4 (no element names: pymatgen then takes them from a POTCAR or the
 *    ends of the coordinate lines, else invents H, He, …); anything else is the element line, each
 *    symbol cut at `/` and `_` (VASP 6 writes `Mg_pv/f474ac0d`); the counts follow on the next line
 *    (pymatgen also takes symbols and counts wrapped over up to 10 lines: we write one line each).
 * 6. The next line starting with s/S means selective dynamics, and the line after it is the
 *    coordinate mode; a mode starting with c/C/k/K is Cartesian, anything else direct.
 * 7. sum(counts) coordinate lines follow, the first three tokens floats; a fourth token, in our files
 *    the element, is ignored by pymatgen when line 6 names the elements.
 * 8. `Structure(lattice, species, coords)` needs real element symbols.
 *
 * Beyond pymatgen, for our files: the symbols must be VASP 5 element names (no VASP 4 guessing) and
 * the element written after each coordinate must agree with the element line.
 */
export function readPoscarAsPymatgen(text: string): PymatgenPoscar {
  const chunks = text.replace(/\s+$/, '').split(/\n\s*\n/);
  if (chunks.length > 1) {
    for (const line of chunks[1].trim().split('\n')) {
      if (!line.trim().split(/\s+/).every((t) => Number.isFinite(Number(t)))) throw new Error(`rule 1: text after a blank line is read as velocities: "${line}"`);
    }
  }
  const lines = chunks[0].split('\n').map((l) => (l.includes('#') ? l.slice(0, l.indexOf('#')) : l).trim());
  const float = (t: string | undefined, rule: string): number => {
    const x = Number(t);
    if (t === undefined || t === '' || !Number.isFinite(x)) throw new Error(`${rule}: "${t}" is not a float`);
    return x;
  };
  const comment = lines[0];
  const scale = float(lines[1], 'rule 3 (scale)');
  const lattice = lines.slice(2, 5).map((l, i) => {
    const tokens = l.split(/\s+/);
    if (tokens.length !== 3) throw new Error(`rule 4: lattice line ${i + 3} has ${tokens.length} numbers`);
    return tokens.map((t) => float(t, `rule 4 (lattice line ${i + 3})`) * (scale > 0 ? scale : 1));
  });
  if (lines.length < 8) throw new Error('rule 5: no element and count lines');
  const first = lines[5].split(/\s+/);
  if (first.every((t) => /^-?\d+$/.test(t))) throw new Error('rule 5: VASP 4 POSCAR without element names');
  const symbols = first.map((s) => s.split('/')[0].split('_')[0]);
  const counts = lines[6].split(/\s+/).map((t) => {
    if (!/^\d+$/.test(t)) throw new Error(`rule 5: count "${t}" is not an integer`);
    return Number(t);
  });
  if (counts.length !== symbols.length) throw new Error(`rule 5: ${symbols.length} elements but ${counts.length} counts`);
  for (const s of symbols) if (!isElement(s)) throw new Error(`rule 8: "${s}" is not an element`);
  let ipos = 7;
  if (/^[sS]/.test(lines[ipos] ?? '')) ipos += 1;
  const mode = lines[ipos];
  if (mode === undefined || mode === '') throw new Error('rule 6: no coordinate mode line');
  const cartesian = /^[cCkK]/.test(mode);
  const species = symbols.flatMap((s, i) => Array<string>(counts[i]).fill(s));
  const nSites = species.length;
  const coordTokens: string[][] = [];
  const coords: number[][] = [];
  for (let i = 0; i < nSites; i++) {
    const line = lines[ipos + 1 + i];
    if (line === undefined) throw new Error(`rule 7: ${nSites} sites announced, ${i} coordinate lines found`);
    const tokens = line.split(/\s+/);
    coords.push(tokens.slice(0, 3).map((t) => float(t, `rule 7 (site ${i + 1})`)));
    coordTokens.push(tokens.slice(0, 3));
    if (tokens[3] !== undefined && tokens[3] !== species[i]) throw new Error(`site ${i + 1} is written as ${tokens[3]} in the ${species[i]} block`);
  }
  return { comment, lattice, symbols, counts, cartesian, species, coordTokens, coords };
}
