/**
 * Property tests for the dialects the readers accept beyond the letter of each format, beside the
 * parser fuzzers of fuzz.test.ts: compressed files and their padding, line endings and whitespace
 * tails, CIF labels, '.' coordinates and stated formulas, VASP 4 species and their conflicts, and
 * the kinds of fault every reader must name (control bytes, non-finite numbers).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_COMPRESSIONS, compress } from '../../../../test/support/compress.ts';
import { isElement } from '../base/elements.ts';
import type { StructureFormat } from '../base/errors.ts';
import { fromParameters } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { parseFormula } from './cif/composition.ts';
import { elementFromLabel } from './cif/labels.ts';
import { FileDecodeError, decodeStructureFile } from './compression.ts';
import { readStructure } from './read.ts';
import { structureErrorOf } from './structure-error-of.ts';
import { OUTPUT_FORMATS, writeStructure } from './write.ts';

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? '1') || 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const settings = (numRuns: number) => ({ numRuns: Math.round(numRuns * RUNS), seed: SEED });
const FIXTURES = new URL('../../../../fixtures/structures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

const ELEMENTS = ['H', 'Li', 'O', 'Mg', 'Al', 'Si', 'Ti', 'Fe', 'Cu', 'Zn', 'Ga', 'Cd', 'Te', 'Ba', 'W', 'Pb'];

/**
 * Ordered structures that pass validation: a cell of 4–9 Å with angles of 75–105°, and up to
 * eight atoms on distinct points of a 4×4×4 grid, nudged by up to 0.02 (so at least 0.9 Å apart).
 */
const structures: fc.Arbitrary<Structure> = fc
  .record({
    lengths: fc.tuple(...[0, 1, 2].map(() => fc.double({ min: 4, max: 9, noNaN: true }))),
    angles: fc.tuple(...[0, 1, 2].map(() => fc.double({ min: 75, max: 105, noNaN: true }))),
    points: fc.uniqueArray(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 8, selector: (p) => p.join() }),
    nudge: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
    species: fc.array(fc.constantFrom(...ELEMENTS), { minLength: 8, maxLength: 8 }),
  })
  .map(({ lengths: [a, b, c], angles: [alpha, beta, gamma], points, nudge, species }) => ({
    lattice: fromParameters(a, b, c, alpha, beta, gamma),
    species: points.map((_, i) => species[i]),
    fracCoords: points.map((p, i) => p.map((k) => k / 4 + (i % 2 ? nudge : 0)) as Vec3),
  }));

describe('compressed files', () => {
  it('random structures in every format round-trip through gzip, bzip2 and xz', async () => {
    await fc.assert(
      fc.asyncProperty(structures, fc.constantFrom(...OUTPUT_FORMATS), fc.constantFrom(...TEST_COMPRESSIONS), async (structure, format, compression) => {
        const text = writeStructure(structure, format);
        const decoded = await decodeStructureFile(compress(text, compression), { maxBytes: 1 << 20 });
        expect(decoded).toEqual({ text, compression, warnings: [] });
        const read = readStructure(decoded.text);
        expect(read).toEqual(readStructure(text));
        expect(read.structure.species.length).toBe(structure.species.length);
      }),
      settings(40),
    );
  });

  it('zero padding after bzip2 data gives the same text, with one warning that counts the zeros', async () => {
    await fc.assert(
      fc.asyncProperty(structures, fc.constantFrom(...OUTPUT_FORMATS), fc.integer({ min: 1, max: 3000 }), async (structure, format, zeros) => {
        const text = writeStructure(structure, format);
        const decoded = await decodeStructureFile(Buffer.concat([compress(text, 'bzip2'), Buffer.alloc(zeros)]), { maxBytes: 1 << 20 });
        expect(decoded).toEqual({ text, compression: 'bzip2', warnings: [`bzip2 data is followed by ${zeros} zero bytes (padding): ignored, as bzip2 -d does`] });
      }),
      settings(30),
    );
  });

  it('damaged compressed data ends in the text or a FileDecodeError, nothing else', async () => {
    const packed = Object.fromEntries(TEST_COMPRESSIONS.map((c) => [c, compress(fixture('CdTe.cif'), c)]));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TEST_COMPRESSIONS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (compression, flips, cut) => {
          const bytes = Buffer.from(packed[compression]);
          for (const [at, mask] of flips) bytes[at % bytes.length] ^= mask;
          const input = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
          const outcome = await decodeStructureFile(input, { maxBytes: 1 << 20 }).then(
            (r) => r,
            (e: unknown) => e,
          );
          if (!('text' in (outcome as object))) expect(outcome).toBeInstanceOf(FileDecodeError);
        },
      ),
      settings(150),
    );
  });
});

describe('line endings and whitespace tails', () => {
  it('CR, CRLF or LF line endings and any blank tail read as the plain file does, in every format', () => {
    const tails = fc.string({ unit: fc.constantFrom('\n', '\r\n', ' ', '\t'), maxLength: 400 });
    fc.assert(
      fc.property(structures, fc.constantFrom(...OUTPUT_FORMATS), fc.constantFrom('\n', '\r\n', '\r'), tails, (structure, format, ending, tail) => {
        const text = writeStructure(structure, format);
        const variant = text.replace(/\n/g, ending) + tail;
        expect(readStructure(variant)).toEqual(readStructure(text));
      }),
      settings(150),
    );
  });
});

describe('CIF labels', () => {
  it('the label map never yields an unknown element', () => {
    const labels = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.stringMatching(/^[A-Za-z]{1,4}[-0-9()_'+]{0,4}[A-Za-z]?$/),
    );
    fc.assert(
      fc.property(labels, (label) => {
        const reading = elementFromLabel(label);
        if (reading !== null) expect(isElement(reading.element)).toBe(true);
      }),
      settings(2000),
    );
  });

  it('an element symbol followed by a number or tag reads as that element, without a guess', () => {
    const ordinary = ELEMENTS.filter((e) => e !== 'H' && e !== 'O');
    fc.assert(
      fc.property(fc.constantFrom(...ordinary, 'O', 'H'), fc.stringMatching(/^[0-9]{0,3}[A-Za-z]?$|^\([0-9]{1,2}\)$|^_[0-9a-z]{1,3}$/), (symbol, suffix) => {
        // Letters straight after the symbol would make another label ('OW', 'Hw'): only after a digit.
        fc.pre(!/^[A-Za-z]/.test(suffix));
        expect(elementFromLabel(`${symbol}${suffix}`)).toEqual({ element: symbol });
      }),
      settings(500),
    );
  });
});

describe('CIF label warnings', () => {
  const unusual = ['Oa', 'Cax', 'NO', 'Fex', 'Sib', 'CN'];
  it('name every unusual guess, however many routine ones (water labels) surround it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.uniqueArray(fc.constantFrom(...unusual), { minLength: 1, maxLength: unusual.length }),
        fc.nat(),
        (waters, odd, seed) => {
          const labels = Array.from({ length: waters }, (_, i) => `OW${i + 1}`);
          // The unusual labels go anywhere among the routine ones.
          odd.forEach((label, k) => labels.splice((seed + 7 * k) % (labels.length + 1), 0, `${label}${k + 1}`));
          const rows = labels.map((label, i) => `${label} ${(i % 6) / 6} ${Math.floor(i / 6) / 6} 0.5`);
          const text = ['data_x', '_cell_length_a 20', '_cell_length_b 20', '_cell_length_c 20', 'loop_', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', ...rows].join('\n');
          const warning = readStructure(text, { format: 'cif' }).warnings.find((w) => w.includes('guessed from their label') || w.includes('guessed from its label'))!;
          for (const [k, label] of odd.entries()) expect(warning).toContain(`'${label}${k + 1}' as `);
          // Unusual readings come before the routine water ones.
          if (waters > 0) expect(warning.indexOf(`'${odd[0]}1'`)).toBeLessThan(warning.indexOf("'OW1'"));
        },
      ),
      settings(200),
    );
  });
});

describe('CIF stated formulas', () => {
  const counts = fc.dictionary(fc.constantFrom(...ELEMENTS), fc.integer({ min: 1, max: 12 }), { minKeys: 1, maxKeys: 5 });

  it('a formula written as a sum, compactly or with a group reads as its counts', () => {
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 4 }), (c, group) => {
        const entries = Object.entries(c);
        const expected = new Map(entries);
        expect(parseFormula(entries.map(([el, n]) => `${el}${n}`).join(' '))).toEqual(expected);
        expect(parseFormula(entries.map(([el, n]) => `${el}${n === 1 ? '' : n}`).join(''))).toEqual(expected);
        // The last element in a parenthesised group of `group`, its own count divided out.
        const [last, n] = entries[entries.length - 1];
        const grouped = [...entries.slice(0, -1).map(([el, k]) => `${el}${k}`), `(${last}${n})${group}`].join(' ');
        expect(parseFormula(grouped)).toEqual(new Map([...expected, [last, n * group]]));
      }),
      settings(300),
    );
  });

  it("a structure's own CIF reads without a composition warning; without one element's sites, the warning names it", () => {
    fc.assert(
      fc.property(structures, fc.nat(), (structure, pick) => {
        const text = writeStructure(structure, 'cif');
        expect(readStructure(text).warnings).toEqual([]);
        const elements = [...new Set(structure.species)];
        if (elements.length < 2) return;
        const gone = elements[pick % elements.length];
        // The writer's rows: type symbol, label (element and number), multiplicity, coordinates, occupancy.
        const rows = text.split('\n').filter((line) => !new RegExp(`^\\s*${gone}\\s+${gone}\\d+\\s`).test(line));
        const warnings = readStructure(rows.join('\n')).warnings;
        expect(warnings.some((w) => w.startsWith("CIF: _chemical_formula_sum '") && w.includes(`lists ${gone}, which no site holds`))).toBe(true);
      }),
      settings(100),
    );
  });
});

/** A P1 CIF of `s` with its own coordinates, written as given by `cell`. */
function p1Cif(s: Structure, cell: (value: number, site: number, axis: number) => string): string {
  const [a, b, c] = s.lattice.matrix.map((v) => Math.hypot(...v));
  const angle = (u: number[], v: number[]) => (Math.acos((u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / Math.hypot(...u) / Math.hypot(...v)) * 180) / Math.PI;
  const [va, vb, vc] = s.lattice.matrix;
  const rows = s.species.map((el, i) => `${el}${i + 1} ${s.fracCoords[i].map((x, axis) => cell(x, i, axis)).join(' ')}`);
  return [
    'data_fuzz',
    `_cell_length_a ${a}`, `_cell_length_b ${b}`, `_cell_length_c ${c}`,
    `_cell_angle_alpha ${angle(vb, vc)}`, `_cell_angle_beta ${angle(va, vc)}`, `_cell_angle_gamma ${angle(va, vb)}`,
    "_space_group_name_H-M_alt 'P 1'",
    'loop_', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z',
    ...rows,
  ].join('\n');
}

describe("CIF '.' coordinates", () => {
  it("'.' in a coordinate reads exactly as 0 does, with one warning naming those sites", () => {
    const outcome = (text: string) => {
      try {
        return readStructure(text, { format: 'cif' });
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    fc.assert(
      fc.property(structures, fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), (s, dotted) => {
        const isDot = (site: number, axis: number) => dotted[site * 3 + axis];
        const zero = outcome(p1Cif(s, (x, site, axis) => (isDot(site, axis) ? '0' : String(x))));
        const dot = outcome(p1Cif(s, (x, site, axis) => (isDot(site, axis) ? '.' : String(x))));
        if ('error' in zero || 'error' in dot) {
          expect(dot).toEqual(zero);
          return;
        }
        expect(dot.structure).toEqual(zero.structure);
        const named = s.species.map((el, i) => `${el}${i + 1}`).filter((_, i) => [0, 1, 2].some((axis) => isDot(i, axis)));
        const added = dot.warnings.filter((w) => !zero.warnings.includes(w));
        expect(added).toHaveLength(named.length === 0 ? 0 : 1);
        for (const name of named.slice(0, 8)) expect(added[0]).toContain(`${name} (`);
      }),
      settings(100),
    );
  });

  it("'?' in any coordinate is an error that names its site and line", () => {
    fc.assert(
      fc.property(structures, fc.nat(), fc.nat(2), (s, pick, axis) => {
        const site = pick % s.species.length;
        const text = p1Cif(s, (x, i, k) => (i === site && k === axis ? '?' : String(x)));
        const e = structureErrorOf(() => readStructure(text, { format: 'cif' }));
        expect(e.message).toContain(`site ${s.species[site]}${site + 1} has _atom_site_fract_${'xyz'[axis]} '?' (unknown)`);
        expect(e.line).toBe(14 + site);
      }),
      settings(100),
    );
  });
});

describe('VASP 4 species', () => {
  const blocks = fc.uniqueArray(fc.constantFrom(...ELEMENTS), { minLength: 1, maxLength: 3 }).chain((species) =>
    fc.record({ species: fc.constant(species), counts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: species.length, maxLength: species.length }) }),
  );
  const vasp4 = (comment: string, counts: number[]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    const sites = Array.from({ length: total }, (_, i) => `${(i % 4) / 4} ${(Math.floor(i / 4) % 4) / 4} 0.5`);
    return [comment, '1.0', '8 0 0', '0 8 0', '0 0 8', counts.join(' '), 'Direct', ...sites].join('\n');
  };

  it('a comment line that fits the counts gives the species; one that does not keeps the error', () => {
    fc.assert(
      fc.property(blocks, fc.constantFrom('formula', 'symbols', 'compact'), fc.integer({ min: 1, max: 3 }), ({ species, counts }, style, wrong) => {
        const comment = (n: number[]) =>
          style === 'symbols' ? species.join(' ') : species.map((el, k) => `${el}${n[k]}`).join(style === 'formula' ? ' ' : '');
        const read = readStructure(vasp4(comment(counts), counts), { format: 'poscar' }).structure;
        expect(read.species).toEqual(species.flatMap((el, k) => Array(counts[k]).fill(el)));
        if (style !== 'symbols') {
          const off = counts.map((c, k) => (k === 0 ? c + wrong : c));
          expect(() => readStructure(vasp4(comment(off), counts), { format: 'poscar' })).toThrow(/VASP 4 file without species/);
        }
      }),
      settings(200),
    );
  });
});

describe('VASP 4 species: two sources that disagree', () => {
  const blocks = fc.uniqueArray(fc.constantFrom(...ELEMENTS), { minLength: 2, maxLength: 3 }).chain((species) =>
    fc.record({ species: fc.constant(species), counts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: species.length, maxLength: species.length }) }),
  );
  const poscar = (comment: string, elementLine: string | undefined, counts: number[], names: string[]) => {
    const sites = names.map((name, i) => `${(i % 4) / 4} ${(Math.floor(i / 4) % 4) / 4} 0.5 ${name}`);
    return [comment, '1.0', '8 0 0', '0 8 0', '0 0 8', ...(elementLine ? [elementLine] : []), counts.join(' '), 'Direct', ...sites].join('\n');
  };

  it('an element named after the coordinates that contradicts its block is refused, naming its line, whatever gave the species', () => {
    fc.assert(
      fc.property(blocks, fc.nat(), fc.constantFrom('comment', 'element line', 'passed'), ({ species, counts }, pick, source) => {
        const names = species.flatMap((el, k) => Array(counts[k]).fill(el) as string[]);
        const site = pick % names.length;
        const other = species.find((el) => el !== names[site])!;
        const flipped = names.map((n, i) => (i === site ? other : n));
        const text = (ns: string[]) => poscar(source === 'comment' ? species.join(' ') : 'x', source === 'element line' ? species.join(' ') : undefined, counts, ns);
        const options = source === 'passed' ? { species } : {};
        expect(readStructure(text(names), { format: 'poscar', ...options }).structure.species).toEqual(names);
        // With species from the comment only, names that give one element per block are the better source: used, the comment named in a warning.
        let start = 0;
        const perBlock = counts.every((c) => flipped.slice(start, (start += c)).every((n, _, block) => n === block[0]));
        if (source === 'comment' && perBlock) {
          const read = readStructure(text(flipped), { format: 'poscar' });
          expect(read.structure.species).toEqual(flipped);
          expect(read.warnings.join()).toContain('which the element names after the coordinates contradict: used the names');
          return;
        }
        const e = structureErrorOf(() => readStructure(text(flipped), { format: 'poscar', ...options }));
        const firstSite = source === 'element line' ? 9 : 8;
        expect(e.line).toBe(firstSite + site);
        expect(e.message).toContain(`the element '${other}' named after the coordinates of site ${site + 1} contradicts the species ${names[site]}`);
      }),
      settings(200),
    );
  });
});

describe('faults every reader names', () => {
  const texts: [StructureFormat, string][] = [
    ['cif', fixture('CdTe.cif')],
    ['poscar', fixture('GaN.vasp')],
    ['json', fixture('MgO.json')],
    ['extxyz', writeStructure(readStructure(fixture('GaN.vasp')).structure, 'extxyz')],
  ];
  const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c));

  it('a NUL byte or another control character is named with its line, detected or not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.oneof(control, fc.constant('\u007f')), fc.nat(), ([format, text], char, at) => {
        const index = at % text.length;
        const damaged = text.slice(0, index) + char + text.slice(index);
        const line = text.slice(0, index).split('\n').length;
        const code = `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        for (const options of [{ format }, {}]) {
          const e = structureErrorOf(() => readStructure(damaged, options));
          expect(e.line).toBe(line);
          expect(e.message).toContain(code);
          expect(e.message).toContain(`line ${line}`);
        }
      }),
      settings(300),
    );
  });

  it('a POSCAR coordinate that is not a number at all is named, with its place on the line', () => {
    const poscar = fixture('GaN.vasp').trimEnd().split('\n');
    fc.assert(
      fc.property(fc.integer({ min: 8, max: poscar.length - 1 }), fc.nat(2), fc.constantFrom('0x0', '1,5', 'a', '--1', '1e', '.'), (row, axis, token) => {
        const lines = [...poscar];
        const values = lines[row].trim().split(/\s+/);
        values[axis] = token;
        lines[row] = values.join(' ');
        const e = structureErrorOf(() => readStructure(lines.join('\n'), { format: 'poscar' }));
        expect(e.line).toBe(row + 1);
        expect(e.message).toContain(`but '${token}', value ${axis + 1} of '${lines[row]}', is not a number`);
      }),
      settings(100),
    );
  });

  it('a POSCAR coordinate that is not a finite number is named with its line, not called a truncation', () => {
    const poscar = fixture('GaN.vasp').trimEnd().split('\n');
    fc.assert(
      fc.property(fc.integer({ min: 8, max: poscar.length - 1 }), fc.nat(2), fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', 'inf', '+inf', '1e999', '-2E400', '********'), (row, axis, token) => {
        const lines = [...poscar];
        const values = lines[row].trim().split(/\s+/);
        values[axis] = token;
        lines[row] = values.join(' ');
        const e = structureErrorOf(() => readStructure(lines.join('\n'), { format: 'poscar' }));
        expect(e.message.startsWith(`POSCAR line ${row + 1}: coordinates of site`)).toBe(true);
        expect(e.message).toContain(`'${token}'`);
        expect(e.message).not.toMatch(/truncated/);
      }),
      settings(100),
    );
  });
});
