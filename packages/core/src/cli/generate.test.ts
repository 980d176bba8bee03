import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIO, processIO } from './io.ts';
import { main } from './main.ts';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures');
const structure = (f: string) => join(FIXTURES, 'structures', f);
const tmp = mkdtempSync(join(tmpdir(), 'dc-cli-generate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], renderReport?: CliIO['renderReport']) {
  let stdout = '';
  let stderr = '';
  const code = await main(['generate', ...args], { ...processIO, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), renderReport });
  return { code, stdout, stderr };
}

describe('defect-candidates generate', () => {
  it('prints the answer JSON on stdout and a table on stderr', async () => {
    const r = await cli([structure('CdTe.cif'), '--types', 'vacancy,substitution', '--dopants', 'Se']);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.candidates.map((c: { name: string }) => c.name)).toEqual(['v_Cd', 'v_Te', 'Te_Cd', 'Cd_Te', 'Se_Cd', 'Se_Te']);
    expect(r.stderr).toMatch(/^v_Cd\s+\[\+1,0,-1,-2\]\s+4a\s+Td\s+4\s+vacancy$/m);
    expect(r.stderr).toMatch(/^Se_Te\s+\[\+1,0\]\s+4c/m);
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

  it('writes DIR/report.html with --report, through the page renderer it is given', async () => {
    const out = join(tmp, 'report');
    const r = await cli([structure('MgO.json'), '--types', 'vacancy', '--formats', 'cif', '--out', out, '--report'], (a) => `<p>${a.candidates.map((c) => c.name).join(' ')}</p>`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).parameters.output_formats).toEqual(['cif', 'report']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('<p>v_Mg v_O</p>');
    expect(existsSync(join(out, 'v_Mg', 'structure.cif'))).toBe(true);
    const defaults = await cli([structure('MgO.json'), '--types', 'vacancy', '--out', join(tmp, 'report2'), '--report'], () => '');
    expect(JSON.parse(defaults.stdout).parameters.output_formats).toEqual(['poscar', 'pymatgen', 'report']);
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
      [[structure('Si.vasp'), '--report'], /--report writes DIR\/report\.html: give --out DIR/],
      [[structure('Si.vasp'), '--formats', 'report', '--out', join(tmp, 'no-renderer')], /cannot write report\.html/],
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
