/**
 * Property-based fuzzing of every structure reader and of the request schema: whatever the
 * input, the only ways out are a sound result or the typed error (StructureError, RequestError),
 * never another exception, a hang or a crash.
 *
 * Readers run in a child process (test/support/parse-sandbox.ts) so that an input which loops
 * forever or aborts V8 shows up as a failing counterexample instead of freezing the test runner.
 * Runs are sized to take seconds; FUZZ_RUNS multiplies them for a longer local session and
 * FUZZ_SEED replays a reported failure.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeOutcome, isAcceptable, startParseSandbox, type ParseCall, type ParseSandbox, type SandboxFunction } from '../../../../test/support/parse-sandbox.ts';
import { FIXTURES_DIR, referenceFor, structureFixture } from '../../../../test/support/fixtures.ts';
import { RequestError, type StructureFormat } from '../base/errors.ts';
import { parseRequest } from '../request.ts';

const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Longest one call may take before it counts as a hang. Normal calls take milliseconds. */
const HANG_MS = 5_000;
/** Once a property has found a hang, shrinking it only needs to see that smaller inputs hang too. */
const SHRINK_HANG_MS = 1_000;

function runs(n: number): number {
  return Math.max(1, Math.round(n * RUN_SCALE));
}

/** fast-check settings: bounded runs, and a time limit on the whole property including shrinking, so a hang found early still ends the test with its counterexample. */
function settings(numRuns: number): fc.Parameters<unknown> {
  return { numRuns: runs(numRuns), seed: SEED, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false };
}

let sandbox: ParseSandbox;
let guardMs = HANG_MS;

beforeAll(async () => {
  sandbox = await startParseSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => {
  guardMs = HANG_MS;
});

/** Calls `fn` on `text` in the sandbox and fails (with the outcome) unless it is acceptable. */
async function expectTypedOutcome(call: ParseCall): Promise<void> {
  const outcome = await sandbox.call(call, guardMs);
  if (outcome.kind === 'timeout') guardMs = SHRINK_HANG_MS;
  if (!isAcceptable(outcome)) {
    const shown = call.text.length > 300 ? `${JSON.stringify(call.text.slice(0, 300))}... (${call.text.length} chars)` : JSON.stringify(call.text);
    throw new Error(`${call.fn}(${shown}${call.options ? `, ${JSON.stringify(call.options)}` : ''}) gave ${describeOutcome(outcome)}`);
  }
}

const READER_OF: Record<StructureFormat, SandboxFunction> = {
  cif: 'readCif',
  poscar: 'readPoscar',
  pymatgen: 'readJson',
  json: 'readJson',
  extxyz: 'readExtxyz',
};

/** Every way in for a text meant as `format`: detection, the forced format, the reader alone, and detection alone. */
async function expectAllTyped(text: string, format: StructureFormat): Promise<void> {
  await expectTypedOutcome({ fn: 'readStructure', text });
  await expectTypedOutcome({ fn: 'readStructure', text, options: { format } });
  await expectTypedOutcome({ fn: READER_OF[format], text, options: { format } });
  await expectTypedOutcome({ fn: 'detectFormat', text });
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Number texts that break naive parsers: overflow, underflow, non-finite words, huge integers, signs alone. */
const hostileNumberText = fc.oneof(
  fc.constantFrom(
    '0', '-0', '1', '-1', '1e308', '-1e308', '1e309', '-1e999', '1e-320', '4.9e-324', 'NaN', 'nan', 'Infinity', '-Infinity', 'inf',
    '1e12', '1e9', '123456789012345678901234567890', '9007199254740993', '2147483648', '4294967296', '0.00000001', '1e-9',
    '.', '-', '+', '1e', '0x10', '1_000', '1/0', '0/0', '1,5', '١', '1.0d3', '2D-2', '1e+', '--1', '(1)', '5.43(2', '?',
  ),
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double({ min: -1e-6, max: 1e-6, noNaN: true }).map(String),
);

/** Numbers for generated structures: mostly ordinary crystal values, sometimes tiny, huge or non-finite. */
const wildNumber = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -12, max: 12, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 0.5, 1, 2.5, 4, 1e-3, 1e-9, 1e-300, 5e-324, 1e6, 1e12, 1e300, Number.MAX_VALUE, NaN, Infinity, -Infinity) },
  { weight: 1, arbitrary: fc.double() },
);

const elementish = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('Si', 'Fe', 'O', 'Cd', 'Te', 'Ga', 'N', 'Mg', 'Sr', 'Ti', 'Al', 'Cu', 'H', 'Og') },
  { weight: 2, arbitrary: fc.constantFrom('Xx', 'fe', 'FE', 'Fe2+', 'O2-', 'Fe_pv', 'Si/abc', 'D', 'X', '', '0', 'null', '__proto__', 'constructor', 'toString') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const count = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', '1.5', '1e3', '1e9', '1e12', '99999999999', 'NaN', 'Infinity', 'two', '') },
);

type Mutation =
  | { op: 'deleteLine'; at: number }
  | { op: 'duplicateLine'; at: number; times: number }
  | { op: 'swapLines'; a: number; b: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; s: string }
  | { op: 'deleteChar'; at: number }
  | { op: 'replaceNumber'; at: number; by: string }
  | { op: 'replaceWord'; at: number; by: string }
  | { op: 'lineEndings'; style: '\r\n' | '\r' };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('deleteLine' as const), at: position }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: position, times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('swapLines' as const), a: position, b: position }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('insert' as const), at: position, s: fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\n', '\0', '\r', '#', ';', "'", '"', '{', '[', 'loop_\n', 'data_x\n', '_cell_length_a 0\n')) }),
  fc.record({ op: fc.constant('deleteChar' as const), at: position }),
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replaceNumber' as const), at: position, by: hostileNumberText }) },
  fc.record({ op: fc.constant('replaceWord' as const), at: position, by: fc.oneof(elementish, fc.string({ maxLength: 8 }), hostileNumberText) }),
  fc.record({ op: fc.constant('lineEndings' as const), style: fc.constantFrom('\r\n' as const, '\r' as const) }),
);

function pick(length: number, at: number): number {
  return Math.min(length - 1, Math.floor(at * length));
}

function replaceMatch(text: string, pattern: RegExp, at: number, by: string): string {
  const matches = [...text.matchAll(pattern)];
  if (matches.length === 0) return text;
  const m = matches[pick(matches.length, at)];
  return text.slice(0, m.index) + by + text.slice(m.index! + m[0].length);
}

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  switch (m.op) {
    case 'deleteLine':
      lines.splice(pick(lines.length, m.at), 1);
      return lines.join('\n');
    case 'duplicateLine': {
      const k = pick(lines.length, m.at);
      lines.splice(k, 0, ...Array<string>(m.times).fill(lines[k]));
      return lines.join('\n');
    }
    case 'swapLines': {
      const a = pick(lines.length, m.a);
      const b = pick(lines.length, m.b);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, Math.floor(m.at * text.length));
    case 'insert': {
      const k = Math.floor(m.at * (text.length + 1));
      return text.slice(0, k) + m.s + text.slice(k);
    }
    case 'deleteChar': {
      const k = Math.floor(m.at * text.length);
      return text.slice(0, k) + text.slice(k + 1);
    }
    case 'replaceNumber':
      return replaceMatch(text, /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g, m.at, m.by);
    case 'replaceWord':
      return replaceMatch(text, /[^\s'",{}[\]:]+/g, m.at, m.by);
    case 'lineEndings':
      return text.replace(/\n/g, m.style);
  }
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

// ---------------------------------------------------------------------------------------------
// Seeds: the shared fixtures, and an extended XYZ written by hand from Si (there is no extxyz fixture).

const FIXTURE_NAMES = readdirSync(`${FIXTURES_DIR}/structures`).sort();

function fixtureFormat(name: string): StructureFormat {
  if (name.endsWith('.cif')) return 'cif';
  if (name.endsWith('.json')) return 'pymatgen';
  return 'poscar';
}

const SI_EXTXYZ = [
  '2',
  'Lattice="0.0 2.7155 2.7155 2.7155 0.0 2.7155 2.7155 2.7155 0.0" Properties=species:S:1:pos:R:3 pbc="T T T"',
  'Si 0.0 0.0 0.0',
  'Si 1.357750 1.357750 1.357750',
  '',
].join('\n');

const SEEDS: { name: string; text: string; format: StructureFormat; sites: number }[] = [
  ...FIXTURE_NAMES.map((name) => ({ name, text: structureFixture(name), format: fixtureFormat(name), sites: referenceFor(name).n_sites })),
  { name: 'Si.extxyz', text: SI_EXTXYZ, format: 'extxyz' as const, sites: 2 },
];

// ---------------------------------------------------------------------------------------------

describe('the sandbox reads the unmutated seeds', () => {
  it.each(SEEDS.map((s) => [s.name, s] as const))('%s gives the reference number of sites', async (_name, seed) => {
    const outcome = await sandbox.call({ fn: 'readStructure', text: seed.text }, HANG_MS);
    expect(outcome, describeOutcome(outcome)).toMatchObject({ kind: 'value', nSites: seed.sites, problems: [] });
  });
});

describe('mutated fixtures', () => {
  it.each(SEEDS.map((s) => [s.name, s] as const))('%s: only a sound structure or a StructureError', async (_name, seed) => {
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => {
        await expectAllTyped(ms.reduce(mutate, seed.text), seed.format);
      }),
      settings(seed.format === 'cif' ? 150 : 300),
    );
  });
});

describe('random text', () => {
  const vocabulary = fc.constantFrom(
    'data_', 'data_x', 'loop_', '_cell_length_a', '_cell_length_b', '_cell_length_c', '_cell_angle_alpha', '_atom_site_label',
    '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_type_symbol', '_atom_site_occupancy',
    '_symmetry_equiv_pos_as_xyz', "'x, y, z'", "'-x+1/2, y, -z'", '_symmetry_space_group_name_H-M', 'F-43m', 'P1', '_space_group_IT_number',
    'Direct', 'Cartesian', 'Selective dynamics', 'Lattice="', '"', 'Properties=species:S:1:pos:R:3', 'pbc="T T T"',
    '{', '}', '[', ']', ',', ':', '"lattice"', '"sites"', '"species"', '"frac_coords"', '"abc"', '"@class"', '"Structure"', ';',
    'Si', 'Fe', 'O', 'Xx', '1.0', '0.5', '0', '2', '4.2', '-3', '1e308', 'NaN', '?', '.', '#',
  );
  const token = fc.oneof({ weight: 4, arbitrary: vocabulary }, { weight: 1, arbitrary: hostileNumberText });
  const separator = fc.constantFrom(' ', ' ', '\n', '\n', '\t', '\r\n', '');
  const structuredNoise = fc.array(fc.tuple(token, separator), { maxLength: 80 }).map((parts) => parts.map(([t, s]) => t + s).join(''));
  const bytes = fc.uint8Array({ maxLength: 400 });

  it('arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), async (text) => {
        await expectTypedOutcome({ fn: 'readStructure', text });
        await expectTypedOutcome({ fn: 'detectFormat', text, options: { filename: 'x.cif' } });
      }),
      settings(1000),
    );
  });

  it('random bytes, decoded as UTF-8 and as Latin-1', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        await expectTypedOutcome({ fn: 'readStructure', text: new TextDecoder().decode(b) });
        await expectTypedOutcome({ fn: 'readStructure', text: Buffer.from(b).toString('latin1') });
      }),
      settings(600),
    );
  });

  it('structure-shaped noise, read as each format', async () => {
    await fc.assert(
      fc.asyncProperty(structuredNoise, fc.constantFrom<StructureFormat>('cif', 'poscar', 'json', 'pymatgen', 'extxyz'), async (text, format) => {
        await expectTypedOutcome({ fn: 'readStructure', text });
        await expectTypedOutcome({ fn: 'readStructure', text, options: { format } });
        await expectTypedOutcome({ fn: READER_OF[format], text, options: { format } });
      }),
      settings(1000),
    );
  });
});

describe('generated structures with extreme numbers', () => {
  const vec = fc.tuple(wildNumber, wildNumber, wildNumber);
  const num = (x: number) => String(x);

  it('POSCAR', async () => {
    const poscar = fc
      .record({
        scale: fc.oneof(wildNumber.map(num), fc.tuple(wildNumber, wildNumber, wildNumber).map((v) => v.join(' '))),
        lattice: fc.tuple(vec, vec, vec),
        species: fc.array(elementish, { minLength: 1, maxLength: 3 }),
        counts: fc.array(count, { minLength: 1, maxLength: 3 }),
        mode: fc.constantFrom('Direct', 'Cartesian', 'Selective dynamics\nDirect', 'K', 'x'),
        coords: fc.array(vec, { maxLength: 8 }),
        speciesOption: fc.option(fc.array(elementish, { maxLength: 3 }), { nil: undefined }),
        vasp4: fc.boolean(),
      })
      .map((p) => ({
        text: [
          'fuzz',
          p.scale,
          ...p.lattice.map((v) => v.map(num).join(' ')),
          ...(p.vasp4 ? [] : [p.species.join(' ')]),
          p.counts.join(' '),
          p.mode,
          ...p.coords.map((v) => v.map(num).join(' ')),
        ].join('\n'),
        species: p.speciesOption,
      }));
    await fc.assert(
      fc.asyncProperty(poscar, async ({ text, species }) => {
        await expectAllTyped(text, 'poscar');
        if (species) await expectTypedOutcome({ fn: 'readStructure', text, options: { format: 'poscar', species } });
      }),
      settings(1000),
    );
  });

  it('extended XYZ', async () => {
    const extxyz = fc
      .record({
        n: count,
        lattice: fc.oneof(fc.array(wildNumber, { minLength: 9, maxLength: 9 }).map((v) => v.map(num).join(' ')), fc.string({ maxLength: 20 })),
        properties: fc.constantFrom('species:S:1:pos:R:3', 'species:S:1:pos:R:3:forces:R:3', 'pos:R:3:species:S:1', 'species:S:1', 'species:S:1e9:pos:R:3', 'a:b', '', 'species:S:0:pos:R:3'),
        pbc: fc.constantFrom('T T T', 'F F F', 'x'),
        atoms: fc.array(fc.tuple(elementish, vec, vec), { maxLength: 8 }),
      })
      .map((p) =>
        [p.n, `Lattice="${p.lattice}" Properties=${p.properties} pbc="${p.pbc}"`, ...p.atoms.map(([el, pos, f]) => `${el} ${pos.map(num).join(' ')} ${f.map(num).join(' ')}`)].join('\n'),
      );
    await fc.assert(
      fc.asyncProperty(extxyz, async (text) => {
        await expectAllTyped(text, 'extxyz');
      }),
      settings(1000),
    );
  });

  it('CIF', async () => {
    const symop = fc.oneof(
      fc.constantFrom('x, y, z', '-x, -y, -z', 'x+1/2, y+1/2, z', '-y, x-y, z+1/3', 'x, x, x', '2*x, y, z', '1000000x, y, z', 'x+1/0, y, z', 'x, y', 'a, b, c', 'x,y,z,w', '+x, +y, +z'),
      fc.string({ maxLength: 12 }),
    );
    const cellValue = fc.oneof(wildNumber.map(num), hostileNumberText, fc.constant('?'));
    const cif = fc
      .record({
        cell: fc.tuple(cellValue, cellValue, cellValue, cellValue, cellValue, cellValue),
        ops: fc.option(fc.array(symop, { maxLength: 6 }), { nil: undefined }),
        group: fc.option(fc.constantFrom("'F -4 3 m'", 'Fm-3m', "'P 63/m m c'", '230', '999', '0', "'R -3 c'", "'X 1'"), { nil: undefined }),
        rows: fc.array(fc.tuple(elementish, vec, fc.oneof(fc.constant('1'), hostileNumberText)), { maxLength: 6 }),
      })
      .map((c) => {
        const out = ['data_fuzz'];
        ['a', 'b', 'c'].forEach((k, i) => out.push(`_cell_length_${k} ${c.cell[i]}`));
        ['alpha', 'beta', 'gamma'].forEach((k, i) => out.push(`_cell_angle_${k} ${c.cell[i + 3]}`));
        if (c.group) out.push(`_symmetry_space_group_name_H-M ${c.group}`);
        if (c.ops) out.push('loop_', '_symmetry_equiv_pos_as_xyz', ...c.ops.map((o) => `'${o}'`));
        out.push('loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_occupancy');
        c.rows.forEach(([el, p, occ], i) => out.push(`${el || 'X'}${i + 1} ${el || '.'} ${p.map(num).join(' ')} ${occ}`));
        return out.join('\n');
      });
    await fc.assert(
      fc.asyncProperty(cif, async (text) => {
        await expectAllTyped(text, 'cif');
      }),
      settings(600),
    );
  });
});

/** JSON text where `{raw: '1e999'}` markers become bare number tokens (JSON.stringify cannot write Infinity). */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && 'raw' in v && Object.keys(v).length === 1 ? `\u0000RAW${String((v as { raw: unknown }).raw)}\u0000` : v)).replace(
    /"\\u0000RAW(.*?)\\u0000"/g,
    '$1',
  );
}

describe('JSON structures', () => {
  const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: wildNumber.map((x) => (Number.isFinite(x) ? x : { raw: x > 0 ? '1e999' : x < 0 ? '-1e999' : '1e999' })) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>({ toString: 1 }, { valueOf: 1, toString: 1 }, JSON.parse('{"__proto__": 1}'), { constructor: 1 }, { raw: '1e999' }, { raw: '-1e999' }, { raw: '1e-400' }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<unknown>(1, 'Fe', null, [0, 0, 0], { element: 'Fe', occu: 1 }), { maxLength: 5 }) },
    { weight: 1, arbitrary: elementish },
  );

  /** Every path to a value inside `data`, so a mutation can replace any of them. */
  function paths(data: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    const out: (string | number)[][] = [prefix];
    if (Array.isArray(data)) data.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
    else if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) out.push(...paths(v, [...prefix, k]));
    return out;
  }

  function replaceAt(data: unknown, path: (string | number)[], value: unknown): unknown {
    if (path.length === 0) return value;
    const copy = (Array.isArray(data) ? [...data] : { ...(data as object) }) as Record<string | number, unknown>;
    copy[path[0]] = replaceAt(copy[path[0]], path.slice(1), value);
    return copy;
  }

  const mgo = JSON.parse(structureFixture('MgO.json')) as unknown;
  const mgoPaths = paths(mgo);

  it('pymatgen dicts with values replaced by hostile ones', async () => {
    const edit = fc.tuple(fc.integer({ min: 0, max: mgoPaths.length - 1 }), hostileJsonValue);
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const data = edits.reduce<unknown>((d, [k, v]) => replaceAt(d, mgoPaths[k], v), mgo);
        await expectAllTyped(jsonText(data), 'pymatgen');
      }),
      settings(800),
    );
  });

  it('plain {lattice, species, frac_coords} objects', async () => {
    const vec = fc.oneof({ weight: 5, arbitrary: fc.tuple(wildNumber, wildNumber, wildNumber).map((v) => v.map((x) => (Number.isFinite(x) ? x : { raw: x > 0 ? '1e999' : '-1e999' }))) }, { weight: 1, arbitrary: hostileJsonValue });
    const plain = fc.record(
      {
        lattice: fc.oneof(fc.tuple(vec, vec, vec), fc.record({ matrix: fc.tuple(vec, vec, vec) }), hostileJsonValue),
        species: fc.oneof(fc.array(elementish, { maxLength: 6 }), hostileJsonValue),
        frac_coords: fc.oneof(fc.array(vec, { maxLength: 6 }), hostileJsonValue),
        cart_coords: fc.array(vec, { maxLength: 6 }),
        labels: fc.array(fc.string({ maxLength: 4 }), { maxLength: 6 }),
      },
      { requiredKeys: ['lattice'] },
    );
    await fc.assert(
      fc.asyncProperty(plain, async (data) => {
        await expectAllTyped(jsonText(data), 'json');
      }),
      settings(800),
    );
  });
});

describe('inputs found by fuzzing (kept as regressions)', () => {
  const poscar = (lattice: string[], species: string, counts: string, coords: string[]) => ['fuzz', '1.0', ...lattice, species, counts, 'Direct', ...coords].join('\n');
  const cases: [string, ParseCall][] = [
    ['JSON nested 100,000 levels deep (syntax error)', { fn: 'readStructure', text: `{"lattice": ${'['.repeat(100_000)}` }],
    ['JSON nested 100,000 levels deep (valid JSON)', { fn: 'readStructure', text: `{"lattice": ${'['.repeat(100_000)}${']'.repeat(100_000)}}` }],
    [
      'pymatgen species whose element is an object with a non-callable toString',
      {
        fn: 'readStructure',
        text: JSON.stringify({ lattice: [[3, 0, 0], [0, 3, 0], [0, 0, 3]], sites: [{ species: [{ element: { toString: 1 } }, { element: 'Fe' }], abc: [0, 0, 0] }] }),
      },
    ],
    [
      'pymatgen species whose occupancy is an object with a non-callable toString',
      {
        fn: 'readStructure',
        text: JSON.stringify({ lattice: [[3, 0, 0], [0, 3, 0], [0, 0, 3]], sites: [{ species: [{ element: 'Fe', occu: { toString: 1 } }, { element: 'Fe' }], abc: [0, 0, 0] }] }),
      },
    ],
    ['pymatgen lattice entry of 4e307 (the cell volume overflows to NaN)', { fn: 'readStructure', text: JSON.stringify({ lattice: { matrix: [[4.2, 0, 0], [4.27e307, 4.2, 0], [0, 0, 4.2]] }, sites: [{ species: [{ element: 'Mg', occu: 1 }], abc: [0, 0, 0] }] }) }],
    ['JSON lattice row nested 100,000 levels deep', { fn: 'readStructure', text: `{"lattice": [[1,0,0],[0,1,0],${'['.repeat(100_000)}${']'.repeat(100_000)}], "species": ["Fe"], "frac_coords": [[0,0,0]]}` }],
    ['pymatgen site nested 100,000 levels deep', { fn: 'readStructure', text: `{"lattice": [[3,0,0],[0,3,0],[0,0,3]], "sites": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}` }],
    ['plain JSON species nested 100,000 levels deep', { fn: 'readStructure', text: `{"lattice": [[3,0,0],[0,3,0],[0,0,3]], "species": [${'['.repeat(100_000)}${']'.repeat(100_000)}], "frac_coords": [[0,0,0]]}` }],
    ['plain JSON with Cartesian coordinates in a singular cell', { fn: 'readStructure', text: JSON.stringify({ lattice: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], species: ['Si'], cart_coords: [[0, 0, 0]] }) }],
    ['pymatgen site with Cartesian xyz in a singular cell', { fn: 'readStructure', text: JSON.stringify({ lattice: { matrix: [[1, 0, 0], [2, 0, 0], [0, 0, 1]] }, sites: [{ species: [{ element: 'Si', occu: 1 }], xyz: [0, 0, 0] }] }) }],
    ['POSCAR claiming 10^12 atoms', { fn: 'readStructure', text: poscar(['3 0 0', '0 3 0', '0 0 3'], 'Fe', '1000000000000', ['0 0 0']) }],
    ['POSCAR claiming 10^8 atoms', { fn: 'readStructure', text: poscar(['3 0 0', '0 3 0', '0 0 3'], 'Fe', '1e8', ['0 0 0']) }],
    ['POSCAR with a 0.001 Å cubic cell', { fn: 'readStructure', text: poscar(['0.001 0 0', '0 0.001 0', '0 0 0.001'], 'Fe', '1', ['0 0 0']) }],
    ['POSCAR with a 10^-6 Å cubic cell', { fn: 'readStructure', text: poscar(['1e-6 0 0', '0 1e-6 0', '0 0 1e-6'], 'Fe', '1', ['0 0 0']) }],
    ['POSCAR with a 10^12 Å lattice vector skewed over a normal cell', { fn: 'readStructure', text: poscar(['5 0 0', '0 5 0', '1e12 0 5'], 'Fe', '1', ['0 0 0']) }],
    ['JSON with a 10^-4 Å cell', { fn: 'readStructure', text: JSON.stringify({ lattice: [[1e-4, 0, 0], [0, 1e-4, 0], [0, 0, 1e-4]], species: ['Fe'], frac_coords: [[0, 0, 0]] }) }],
    [
      'CIF with a 10^-4 Å cell',
      { fn: 'readStructure', text: ['data_x', '_cell_length_a 0.0001', '_cell_length_b 0.0001', '_cell_length_c 0.0001', 'loop_', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', 'Fe1 0 0 0'].join('\n') },
    ],
    ['extxyz with a 10^-5 Å cell', { fn: 'readStructure', text: ['1', 'Lattice="1e-5 0 0 0 1e-5 0 0 0 1e-5" Properties=species:S:1:pos:R:3', 'Fe 0 0 0'].join('\n') }],
  ];

  it.each(cases)('%s: a StructureError or a sound structure, promptly', async (_name, call) => {
    const outcome = await sandbox.call(call, HANG_MS);
    expect(isAcceptable(outcome), describeOutcome(outcome)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The request schema (in process: zod validation has no loops a value can stretch).

const REQUEST_FIELDS = [
  'supercell', 'random_seed', 'defect_types', 'max_candidates', 'dedupe_symmetry', 'dopant_elements', 'max_candidates_per_type',
  'symprec', 'min_image_distance', 'output_formats', 'interstitial_sites', 'interstitial_min_distance',
  'interstitial_cluster_tolerance', 'adsorption_sites', 'vasp_settings',
];

/** A short rendering of any value for failure messages (BigInt, null prototypes and deep nesting included). */
function preview(value: unknown): string {
  try {
    return fc.stringify(value).slice(0, 300);
  } catch {
    return Array.isArray(value) ? '[a deeply nested array]' : typeof value;
  }
}

/** Either the typed refusal, with one well-formed issue per field, or a request within the issue's ranges. */
function checkRequestOutcome(input: unknown): void {
  let request: ReturnType<typeof parseRequest>;
  try {
    request = parseRequest(input);
  } catch (err) {
    if (!(err instanceof RequestError)) throw new Error(`parseRequest(${preview(input)}) threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) {
      expect(typeof issue.message === 'string' && issue.message.length > 0).toBe(true);
      const field = issue.path.split('.')[0];
      // Unknown keys are named by themselves; everything else by a field of the schema.
      if (issue.path !== '' && !REQUEST_FIELDS.includes(field)) expect(issue.message).toMatch(/unknown field/);
      // An unknown key, at any depth, comes with the keys its object allows.
      if (/unknown field/.test(issue.message)) expect(issue.message).toMatch(/^unknown field; allowed fields (of [\w.]+ )?are \w+(, \w+)*$/);
    }
    return;
  }
  const sc = request.supercell as unknown[];
  expect([0, 1, 3]).toContain(sc.length);
  expect(Number.isInteger(request.random_seed) && request.random_seed >= 0).toBe(true);
  expect(Number.isInteger(request.max_candidates) && request.max_candidates >= 1 && request.max_candidates <= 200).toBe(true);
  expect(Number.isInteger(request.max_candidates_per_type) && request.max_candidates_per_type >= 1 && request.max_candidates_per_type <= 100).toBe(true);
  expect(typeof request.dedupe_symmetry).toBe('boolean');
  expect(request.defect_types.every((t) => ['vacancy', 'substitution', 'interstitial'].includes(t))).toBe(true);
  expect(request.output_formats.length).toBeGreaterThan(0);
  expect(Number.isFinite(request.symprec) && request.symprec > 0).toBe(true);
  expect(Number.isFinite(request.min_image_distance) && request.min_image_distance > 0).toBe(true);
  expect(['pbesol', 'hse06']).toContain(request.vasp_settings.functional);
  const density = request.vasp_settings.reciprocal_density;
  expect(density === null || (Number.isFinite(density) && density >= 1 && density <= 1000)).toBe(true);
  for (const key of Object.keys(request)) expect(REQUEST_FIELDS).toContain(key);
}

describe('parseRequest', () => {
  const fieldValue = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.constantFrom<unknown>(
      [], [2], [2, 2, 2], [[2, 0, 0], [0, 2, 0], [0, 0, 2]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [0], [21], [1.5], [2, 2], [[1, 0], [0, 1]],
      0, -1, 1, 24, 200, 201, 1e308, -0, NaN, Infinity, 2 ** 53, 0.01, 1e-9,
      ['vacancy'], ['vacancy', 'vacancy'], ['Mg'], ['Xx'], ['poscar'], ['pdf'], [[0, 0, 0]], [[NaN, 0, 0]], true, 'true', null,
      {}, { functional: 'hse06' }, { functional: 'pbe' }, { kpoints: 'gamma' }, { reciprocal_density: -5 }, { reciprocal_density: 100, kpar: 2 }, { reciprocal_density: null },
    ),
    fc.array(fc.integer({ min: -25, max: 25 }), { maxLength: 4 }),
    fc.array(fc.array(fc.integer({ min: -25, max: 25 }), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
    fc.double(),
  );
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...REQUEST_FIELDS) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'structure', '') }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  const requestLike = fc.dictionary(key, fieldValue, { maxKeys: 6 });

  it('arbitrary values: only a RequestError or a request within range', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4, withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), (input) => {
        checkRequestOutcome(input);
      }),
      { numRuns: runs(1500), seed: SEED },
    );
  });

  it('request-shaped objects with good and bad field values', () => {
    fc.assert(
      fc.property(requestLike, (input) => {
        checkRequestOutcome(input);
      }),
      { numRuns: runs(3000), seed: SEED },
    );
  });

  it('JSON bodies as the API receives them (parsed from text)', () => {
    fc.assert(
      fc.property(requestLike, (input) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(JSON.stringify(input) ?? 'null');
        } catch {
          return; // BigInt and friends never reach parseRequest through JSON
        }
        checkRequestOutcome(parsed);
      }),
      { numRuns: runs(1500), seed: SEED },
    );
  });

  it.each([
    ['supercell nested 20,000 levels deep', 'supercell'],
    ['random_seed nested 20,000 levels deep', 'random_seed'],
    ['dopant_elements nested 20,000 levels deep', 'dopant_elements'],
  ])('%s: a RequestError', (_name, field) => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    checkRequestOutcome({ [field]: deep });
  });
});
