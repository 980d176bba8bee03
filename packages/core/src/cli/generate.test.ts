import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

async function cli(args: string[], extra: Pick<CliIO, 'progressStream' | 'renderReport'> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { ...processIO, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), progressStream: undefined, ...extra };
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

  it('says in its own words that --no-adsorption switched the adsorption sites of a layer off', async () => {
    const r = await cli([join(FIXTURES, 'low-dimensional', 'MoS2-monolayer.vasp'), '--types', 'interstitial', '--no-adsorption']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('because --no-adsorption was given');
    expect(r.stderr).not.toMatch(/--no-adsorption is false/);
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
    // In the command line's words on stderr; the JSON answer on stdout keeps the request's field names, as the service's.
    expect(r.stderr).toMatch(/^warning: --max-candidates \(24\) dropped 1 symmetry-distinct candidate: interstitial: 5 of 6 emitted, dropped O_i_C3v\. Ask for --max-candidates 200 and --max-per-type 100 to get them all\.$/m);
    expect(r.stderr).not.toMatch(/max_candidates/);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/Ask for max_candidates 200 and max_candidates_per_type 100 to get them all\./);
    // What the warning says to do works, with --max-per-type or its alias, the field's own name.
    const all = await cli([file, '--dopants', 'La,Nb', '--max-candidates', '200', '--max-per-type', '100']);
    const alias = await cli([file, '--dopants', 'La,Nb', '--max-candidates', '200', '--max-candidates-per-type', '100']);
    expect(all.stderr).not.toMatch(/dropped/);
    expect(JSON.parse(alias.stdout).parameters.max_candidates_per_type).toBe(100);
    expect(alias.stdout).toBe(all.stdout);
  });

  it('warns that --formats vasp and report write nothing without --out', async () => {
    const r = await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'vasp']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: the VASP folders \(--formats vasp\) are written only with --out DIR \(or into the service's archive\); this run wrote no files$/m);
    const both = await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'poscar,vasp,report']);
    expect(both.stderr).toMatch(/^warning: the VASP folders \(--formats vasp\) and report\.html \(--formats report\) are written only with --out DIR/m);
    const report = await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'report']);
    expect(report.stderr).toMatch(/^warning: report\.html \(--formats report\) is written only with --out DIR/m);
    const written = await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'vasp', '--out', join(tmp, 'vasp-written')]);
    expect(written.stderr).not.toMatch(/written only with --out/);
    expect(existsSync(join(tmp, 'vasp-written', 'bulk', 'INCAR'))).toBe(true);
    const plain = await cli([structure('Si.vasp'), '--types', 'vacancy']);
    expect(plain.stderr).not.toMatch(/written only with --out/);
  });

  it('maps every flag onto the request', async () => {
    const r = await cli([
      structure('Si.vasp'), '--supercell', '2,2,2', '--types', 'vacancy', '--max-candidates', '3', '--max-per-type', '2', '--seed', '4',
      '--no-dedupe', '--symprec', '0.001', '--min-image-distance', '8', '--formats', 'cif,extxyz', '--interstitial-sites', '0.5,0.5,0.5;0.25,0.25,0.25',
      '--interstitial-min-distance', '1.1', '--cluster-tolerance', '0.5', '--no-adsorption', '--summary',
    ]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.parameters).toEqual({
      supercell: [2, 2, 2], random_seed: 4, defect_types: ['vacancy'], max_candidates: 3, dedupe_symmetry: false, dopant_elements: [],
      max_candidates_per_type: 2, symprec: 0.001, min_image_distance: 8, output_formats: ['cif', 'extxyz'],
      interstitial_sites: [[0.5, 0.5, 0.5], [0.25, 0.25, 0.25]], interstitial_min_distance: 1.1, interstitial_cluster_tolerance: 0.5, adsorption_sites: false,
      vasp_settings: { functional: 'pbesol', reciprocal_density: null },
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

  it('writes DIR/report.html with --report, through the page renderer it is given', async () => {
    const out = join(tmp, 'report');
    const r = await cli([structure('MgO.json'), '--types', 'vacancy', '--formats', 'cif', '--out', out, '--report'], { renderReport: (a) => `<p>${a.candidates.map((c) => c.name).join(' ')}</p>` });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).parameters.output_formats).toEqual(['cif', 'report']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('<p>v_Mg v_O</p>');
    expect(existsSync(join(out, 'v_Mg', 'structure.cif'))).toBe(true);
    const defaults = await cli([structure('MgO.json'), '--types', 'vacancy', '--out', join(tmp, 'report2'), '--report'], { renderReport: () => '' });
    expect(JSON.parse(defaults.stdout).parameters.output_formats).toEqual(['poscar', 'pymatgen', 'report']);
  });

  it('answers bad input with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [[structure('Si.vasp'), '--max-candidates', '500'], /^error: --max-candidates: must be an integer from 1 to 200 \(got 500\)$/],
      [[structure('Si.vasp'), '--max-candidates-per-type', '101'], /^error: --max-per-type: must be an integer from 1 to 100 \(got 101\)$/],
      [[structure('Si.vasp'), '--max-per-type', '5', '--max-candidates-per-type', '5'], /^error: --max-candidates-per-type is another name for --max-per-type: give one of them$/],
      [[structure('Si.vasp'), '--dopants', 'Mg,Xx'], /^error: --dopants: .*unknown element "Xx"/],
      [[structure('Si.vasp'), '--vasp-functional', 'pbe'], /^error: --vasp-functional: must be pbesol or hse06 \(got "pbe"\)$/],
      [[structure('Si.vasp'), '--reciprocal-density', '-5'], /^error: --reciprocal-density: must be a number from 1 to 1000 \(k-points per Å⁻³\); leave --reciprocal-density out for Γ-only KPOINTS \(got -5\)$/],
      [[structure('Si.vasp'), '--symprec', '-0.5'], /^error: --symprec: must be a number from 0\.00001 to 1 \(Å\) \(got -0\.5\)$/],
      [[structure('Si.vasp'), '--cluster-tolerance', '2.5'], /^error: --cluster-tolerance: must be a number from 0 to 2 \(Å\) \(got 2\.5\)$/],
      [[join(FIXTURES, 'bad', 'truncated.vasp')], /./],
      [[join(tmp, 'missing.cif')], /cannot read .*missing\.cif: no such file/],
      [[], /expected one structure file/],
      [[structure('Si.vasp'), '--bogus'], /bogus/],
      [[structure('Si.vasp'), '--input-format', 'xyz'], /--input-format: 'xyz' is not one of/],
      [[structure('Si.vasp'), '--supercell', '1,2'], /--supercell/],
      [[structure('Si.vasp'), '--report'], /--report writes DIR\/report\.html: give --out DIR/],
      [[structure('Si.vasp'), '--formats', 'report', '--out', join(tmp, 'no-renderer')], /cannot write report\.html/],
      [[structure('Si.vasp'), '--formats', 'poscar,bogus'], /^error: --formats: must be a non-empty list of distinct values from poscar, cif, pymatgen, extxyz, vasp, report/],
      [[structure('Si.vasp'), '--formats', 'vasp', '--vasp-functional', 'lda'], /^error: --vasp-functional: must be pbesol or hse06 \(got "lda"\)$/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  });
});

describe('--out DIR', () => {
  const tree = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => p.split('\\').join('/')).sort();

  it('replaces an earlier output: the folders of the earlier run are gone, not mixed with the new ones', async () => {
    const out = join(tmp, 'rerun');
    const first = await cli([structure('CdTe.cif'), '--types', 'vacancy,substitution', '--formats', 'vasp', '--out', out]);
    expect(first.code).toBe(0);
    expect(existsSync(join(out, 'Te_Cd_+2', 'INCAR'))).toBe(true);
    const second = await cli([structure('CdTe.cif'), '--types', 'vacancy', '--formats', 'poscar', '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    const answer = JSON.parse(second.stdout);
    // Exactly what this run writes, nothing left of the first.
    const expected = ['manifest.json', 'bulk', 'bulk/POSCAR', ...answer.candidates.flatMap((c: { name: string }) => [c.name, `${c.name}/POSCAR`])].sort();
    expect(tree(out)).toEqual(expected);
  });

  it('refuses a folder that holds anything else, and leaves it as it was', async () => {
    const mine = join(tmp, 'mine');
    mkdirSync(join(mine, 'calc'), { recursive: true });
    writeFileSync(join(mine, 'calc', 'OUTCAR'), 'energy');
    const r = await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', mine]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd()).toMatch(/^error: --out .*mine: the folder is not empty and is not an earlier output of generate \(it has no manifest\.json of one\): choose a new or empty folder$/);
    expect(tree(mine)).toEqual(['calc', 'calc/OUTCAR']);
  });

  it('refuses an earlier output that holds files it did not write (a calculation run inside it), and deletes nothing', async () => {
    const out = join(tmp, 'ran-vasp');
    expect((await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'vasp', '--out', out])).code).toBe(0);
    const before = tree(out);
    const entry = before.find((p) => p.endsWith('/INCAR') && !p.startsWith('bulk/'))!.split('/')[0];
    writeFileSync(join(out, entry, 'OUTCAR'), 'energy');
    const r = await cli([structure('Si.vasp'), '--types', 'vacancy', '--formats', 'vasp', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(new RegExp(`^error: --out .*ran-vasp: it holds an earlier output of generate and ${entry.replace(/[+]/g, '\\+')}/OUTCAR, which that run did not write: move them away or choose another folder`));
    expect(tree(out)).toEqual([...before, `${entry}/OUTCAR`].sort());
  });

  it('keeps the earlier output when the new run fails, and refuses a file or a manifest pointing outside', async () => {
    const out = join(tmp, 'kept');
    expect((await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', out])).code).toBe(0);
    const before = tree(out);
    const failed = await cli([structure('Si.vasp'), '--max-candidates', '0', '--out', out]);
    expect(failed.code).toBe(2);
    expect(tree(out)).toEqual(before);

    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    expect((await cli([structure('Si.vasp'), '--out', file])).stderr).toMatch(/--out .*a-file: it is a file, not a folder/);

    const forged = join(tmp, 'forged');
    mkdirSync(forged);
    writeFileSync(join(forged, 'manifest.json'), JSON.stringify({ version: '1', parameters: {}, candidates: [{ files: ['../a-file'] }] }));
    const r = await cli([structure('Si.vasp'), '--out', forged]);
    expect(r.stderr).toMatch(/--out .*forged: its manifest\.json lists "\.\.\/a-file", a path outside the folder/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('writes into an empty folder', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect((await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', empty])).code).toBe(0);
    expect(existsSync(join(empty, 'manifest.json'))).toBe(true);
  });
});

describe('errors about a --request body', () => {
  it('name the field and the file when the body set it, and the flag when a flag did', async () => {
    const body = join(tmp, 'bad-body.json');
    writeFileSync(body, JSON.stringify({ vasp_settings: { kpoints: 'gamma', functional: 'pbe' } }));
    const r = await cli([structure('Si.vasp'), '--request', body]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`vasp_settings.kpoints (in ${body}): unknown field; allowed fields of vasp_settings are functional, reciprocal_density`);
    expect(r.stderr).toContain(`vasp_settings.functional (in ${body}): must be pbesol or hse06 (got "pbe")`);
    const overridden = await cli([structure('Si.vasp'), '--request', body, '--vasp-functional', 'lda']);
    expect(overridden.stderr).toContain('--vasp-functional: must be pbesol or hse06 (got "lda")');
  });
});

describe('progress', () => {
  it('draws a bar, driven by generate’s progress stages, on a terminal, and clears it before the tables', async () => {
    const terminal = fakeTerminal();
    const out = join(tmp, 'progress');
    const r = await cli([structure('CdTe.cif'), '--formats', 'vasp', '--out', out], { progressStream: terminal });
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
    const r = await cli([structure('Si.vasp'), '--types', 'vacancy', '--out', join(tmp, 'piped')], { progressStream: piped });
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
