import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIO, processIO } from './io.ts';
import { main } from './main.ts';
import { progressReporter, type ProgressStream } from './progress.ts';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures');
const structure = (f: string) => join(FIXTURES, 'structures', f);
const tmp = mkdtempSync(join(tmpdir(), 'dc-cli-generate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stream that says it is a terminal, recording what is drawn on it. */
function fakeTerminal(): ProgressStream & { text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return Object.assign(stream, { text: () => text });
}

async function cli(args: string[], progressStream?: ProgressStream) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { ...processIO, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), progressStream };
  const code = await main(['generate', ...args], io);
  return { code, stdout, stderr };
}

describe('defect-candidates generate', () => {
  it('prints the answer JSON on stdout and doped-style tables on stderr', async () => {
    const r = await cli([structure('CdTe.cif'), '--types', 'vacancy,substitution', '--dopants', 'Se']);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.candidates.map((c: { name: string }) => c.name)).toEqual(['v_Cd', 'v_Te', 'Te_Cd', 'Cd_Te', 'Se_Cd', 'Se_Te']);
    expect(r.stderr).toMatch(/^Vacancies\s+Guessed Charges\s+Conv\. Cell Coords\s+Wyckoff\s+Site Symmetry\s+Multiplicity$/m);
    expect(r.stderr).toMatch(/^v_Cd\s+\[\+1,0,-1,-2\]\s+\[0\.000,0\.000,0\.000\]\s+4a\s+-43m\s+4$/m);
    expect(r.stderr).toMatch(/^Substitutions\s+Guessed Charges/m);
    expect(r.stderr).toMatch(/^Se_Te\s+\[\+1,0\]\s+\[0\.250,0\.250,0\.250\]\s+4c\s+-43m\s+4$/m);
    expect(r.stderr).not.toMatch(/^Interstitials/m);
    const entries = answer.entries.length;
    expect(entries).toBe(answer.candidates.reduce((n: number, c: { charge_states: number[] }) => n + c.charge_states.length, 0));
    expect(r.stderr).toContain(`CdTe (F-43m, #216): 6 defects, ${entries} defect entries; supercell of 54 atoms, minimum image distance 13.789 Å`);
  });

  it('shows doped’s CdTe table: names, guessed charges, conventional coordinates and Wyckoff labels', async () => {
    const reference = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));
    const doped: { name: string; wyckoff: string; conv_coords: number[]; charges: number[] }[] = reference.structures['CdTe.cif'].doped.defects;
    // doped's table is for a = 6.5407 Å (its interstitial names carry 2.83 Å).
    const file = join(tmp, 'CdTe-6.5407.cif');
    writeFileSync(file, readFileSync(structure('CdTe.cif'), 'utf8').replaceAll('6.50000000', '6.54070000'));
    const r = await cli([file, '--max-candidates', '200', '--max-per-type', '100']);
    expect(r.code).toBe(0);
    for (const d of doped) {
      const charges = `[${d.charges.map((q) => (q > 0 ? `+${q}` : String(q))).join(',')}]`;
      const coords = `[${d.conv_coords.map((x) => x.toFixed(3)).join(',')}]`;
      const row = r.stderr.split('\n').find((l) => l.split(/\s+/)[0] === d.name);
      expect(row, d.name).toBeDefined();
      expect(row!.split(/\s+/).slice(1, 4), d.name).toEqual([charges, coords, d.wyckoff]);
    }
  });

  it('writes the bulk and, with --formats vasp, one VASP folder per defect entry', async () => {
    const out = join(tmp, 'vasp');
    const r = await cli([structure('CdTe.cif'), '--types', 'vacancy', '--formats', 'vasp', '--vasp-functional', 'hse06', '--reciprocal-density', '100', '--out', out]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.parameters.vasp_settings).toEqual({ functional: 'hse06', reciprocal_density: 100 });
    expect(readdirSync(out).sort()).toEqual(['bulk', 'manifest.json', ...answer.entries.map((e: { name: string }) => e.name)].sort());
    expect(readdirSync(join(out, 'bulk')).sort()).toEqual(['INCAR', 'KPOINTS', 'POSCAR', 'POTCAR.spec']);
    expect(readdirSync(join(out, 'v_Cd_-2')).sort()).toEqual(['INCAR', 'KPOINTS', 'POSCAR', 'POTCAR.spec']);
    // 27 Cd and 27 Te at a = 6.5 Å too: the electron count does not depend on the lattice parameter.
    expect(readFileSync(join(out, 'v_Cd_-2', 'INCAR'), 'utf8')).toMatch(/^NELECT = 476 /m);
    expect(readFileSync(join(out, 'v_Cd_-2', 'INCAR'), 'utf8')).toMatch(/^LHFCALC = True /m);
    expect(readFileSync(join(out, 'bulk', 'POSCAR'), 'utf8').split('\n').slice(5, 7).map((l) => l.trim().split(/\s+/))).toEqual([['Cd', 'Te'], ['27', '27']]);
  });

  it('says in the table what the caps dropped', async () => {
    const file = join(tmp, 'BaTiO3.json');
    writeFileSync(file, JSON.stringify({ lattice: [[4, 0, 0], [0, 4, 0], [0, 0, 4]], species: ['Ba', 'Ti', 'O', 'O', 'O'], frac_coords: [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]] }));
    const r = await cli([file, '--dopants', 'La,Nb']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: max_candidates \(24\) dropped 1 symmetry-distinct candidate: interstitial: 5 of 6 emitted, dropped O_i_C3v\. Send max_candidates 200 and max_candidates_per_type 100 to get them all\.$/m);
  });

  it('maps every flag onto the request', async () => {
    const r = await cli([
      structure('Si.vasp'), '--supercell', '2,2,2', '--types', 'vacancy', '--max-candidates', '3', '--max-per-type', '2', '--seed', '4',
      '--no-dedupe', '--symprec', '0.001', '--min-image-distance', '8', '--formats', 'cif,extxyz', '--interstitial-sites', '0.5,0.5,0.5;0.25,0.25,0.25',
      '--interstitial-min-distance', '1.1', '--summary',
    ]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.parameters).toEqual({
      supercell: [2, 2, 2], random_seed: 4, defect_types: ['vacancy'], max_candidates: 3, dedupe_symmetry: false, dopant_elements: [],
      max_candidates_per_type: 2, symprec: 0.001, min_image_distance: 8, output_formats: ['cif', 'extxyz'],
      interstitial_sites: [[0.5, 0.5, 0.5], [0.25, 0.25, 0.25]], interstitial_min_distance: 1.1,
    });
    expect(answer.candidates).toHaveLength(2);
    expect(answer.candidates[0].structures).toBeUndefined();
  });

  it('takes the request from a file, flags overriding it, and writes the files with --out', async () => {
    const body = join(tmp, 'body.json');
    writeFileSync(body, JSON.stringify({ defect_types: ['vacancy'], output_formats: ['poscar', 'cif'], max_candidates: 1 }));
    const out = join(tmp, 'out');
    const r = await cli([structure('MgO.json'), '--request', body, '--max-candidates', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).candidates.map((c: { name: string }) => c.name)).toEqual(['v_Mg', 'v_O']);
    expect(readFileSync(join(out, 'v_Mg', 'POSCAR'), 'utf8')).toMatch(/Mg\s+O/);
    expect(existsSync(join(out, 'v_O', 'structure.cif'))).toBe(true);
  });

  it('answers bad input with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [[structure('Si.vasp'), '--max-candidates', '500'], /max_candidates: must be an integer from 1 to 200 \(got 500\)/],
      [[structure('Si.vasp'), '--dopants', 'Mg,Xx'], /dopant_elements\.1: .*unknown element "Xx"/],
      [[join(FIXTURES, 'bad', 'truncated.vasp')], /./],
      [[join(tmp, 'missing.cif')], /cannot read .*missing\.cif: no such file/],
      [[], /expected one structure file/],
      [[structure('Si.vasp'), '--bogus'], /bogus/],
      [[structure('Si.vasp'), '--input-format', 'xyz'], /--input-format: 'xyz' is not one of/],
      [[structure('Si.vasp'), '--supercell', '1,2'], /--supercell/],
      [[structure('Si.vasp'), '--formats', 'poscar,bogus'], /output_formats: must be a non-empty list of distinct values from poscar, cif, pymatgen, extxyz, vasp/],
      [[structure('Si.vasp'), '--formats', 'vasp', '--vasp-functional', 'lda'], /vasp_settings: must be an object \{functional: pbesol or hse06/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('progress', () => {
  it('draws a bar, driven by generate’s progress stages, on a terminal, and clears it before the tables', async () => {
    const terminal = fakeTerminal();
    const out = join(tmp, 'progress');
    const r = await cli([structure('CdTe.cif'), '--formats', 'vasp', '--out', out], terminal);
    expect(r.code).toBe(0);
    const drawn = terminal.text();
    // Every stage generate() reports, then the files, each drawn as it comes.
    const stages = [...drawn.matchAll(/generate \[[^\]]*\] (\d+)% (\w+)/g)].map((m) => m[2]);
    expect([...new Set(stages)]).toEqual(['read', 'symmetry', 'supercell', 'vacancies', 'substitutions', 'interstitials', 'writing', 'files']);
    expect(drawn).toMatch(/generate \[[^\]]*\] 100% files/);
    // The bar stays on the terminal stream: stdout is JSON, stderr holds only the tables.
    expect(r.stderr).not.toMatch(/generate \[|\u001b/);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('draws nothing when stderr is not a terminal', async () => {
    const piped = Object.assign(new PassThrough(), { isTTY: false });
    let written = '';
    piped.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
    const r = await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', join(tmp, 'piped')], piped);
    expect(r.code).toBe(0);
    expect(written).toBe('');
    const bare = await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', join(tmp, 'piped')]);
    expect(r.stderr).toBe(bare.stderr);
    // A reporter on a non-terminal ignores every call.
    const silent = progressReporter(piped);
    silent.onGenerate('read', 50);
    silent.onFiles(1, 2);
    silent.stop();
    expect(written).toBe('');
  });
});
