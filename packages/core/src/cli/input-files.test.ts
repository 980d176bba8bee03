import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/cli.ts';
import { EXTENSION, TEST_COMPRESSIONS, bomb, compress } from '../../../../test/support/compress.ts';
import { CLI_MAX_INPUT_BYTES } from './io.ts';

const STRUCTURES = fileURLToPath(new URL('../../../../fixtures/structures/', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dc-cli-input-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the command line reads compressed files', () => {
  it.each(TEST_COMPRESSIONS)('inspect reads a %s-compressed CIF named *.cif.<ext>', async (format) => {
    const path = join(dir, `CdTe.cif.${EXTENSION[format]}`);
    writeFileSync(path, compress(readFileSync(join(STRUCTURES, 'CdTe.cif')), format));
    const run = await runCli('inspect', path);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ formula: 'CdTe', n_sites: 8, format: 'cif', spacegroup: { number: 216 } });
  });

  it('finds the compression by its magic bytes, not the name', async () => {
    const path = join(dir, 'GaN-structure.dat');
    writeFileSync(path, compress(readFileSync(join(STRUCTURES, 'GaN.vasp')), 'xz'));
    const run = await runCli('convert', path, '--to', 'extxyz');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('4');
  });

  it(`refuses a bomb past ${CLI_MAX_INPUT_BYTES} bytes with one line and exit code 2`, async () => {
    const path = join(dir, 'POSCAR.gz');
    writeFileSync(path, bomb('gzip', CLI_MAX_INPUT_BYTES + 1));
    const run = await runCli('inspect', path);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`error: ${path}: gzip data unpacks to more than ${CLI_MAX_INPUT_BYTES} bytes, the limit: refused (a decompression bomb, or a file far larger than a structure)\n`);
  });

  it('names damaged compressed data with the file', async () => {
    const path = join(dir, 'broken.vasp.bz2');
    const packed = compress(readFileSync(join(STRUCTURES, 'GaN.vasp')), 'bzip2');
    writeFileSync(path, packed.subarray(0, packed.length - 10));
    const run = await runCli('inspect', path);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${path}: bzip2 data is truncated\n`);
  });
});

describe('the command line takes the species of a VASP 4 POSCAR and shows what was assumed on stderr', () => {
  const vasp4 = fileURLToPath(new URL('../../../../fixtures/bad/vasp4-no-species.vasp', import.meta.url));

  it("inspect, convert and generate read a VASP 4 POSCAR with --species 'Cd Te' (or Cd,Te)", async () => {
    const inspect = await runCli('inspect', vasp4, '--species', 'Cd Te');
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ formula: 'CdTe', n_sites: 2 });
    const convert = await runCli('convert', vasp4, '--to', 'poscar', '--species', 'Cd,Te');
    expect(convert.code, convert.stderr).toBe(0);
    expect(convert.stdout.split('\n')[5].trim().split(/\s+/)).toEqual(['Cd', 'Te']);
    const generate = await runCli('generate', vasp4, '--species', 'Cd Te', '--types', 'vacancy', '--summary');
    expect(generate.code, generate.stderr).toBe(0);
    expect(JSON.parse(generate.stdout).host.formula).toBe('CdTe');
  });

  it('without --species the refusal says why no species were found and how to give them', async () => {
    const run = await runCli('inspect', vasp4);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/VASP 4 file without species, and none could be read beside the counts \(no element names follow the coordinates; .*--species 'Cd Te' on the command line/);
  });

  it("inspect writes the reader's warnings on stderr as well as in its JSON, unpacking warnings among them", async () => {
    const path = join(dir, 'padded-POSCAR.bz2');
    writeFileSync(path, Buffer.concat([compress(readFileSync(vasp4), 'bzip2'), Buffer.alloc(100)]));
    const run = await runCli('inspect', path, '--species', 'Cd Te');
    expect(run.code, run.stderr).toBe(0);
    const warnings = JSON.parse(run.stdout).warnings as string[];
    expect(warnings[0]).toBe(`${path}: bzip2 data is followed by 100 zero bytes (padding): ignored, as bzip2 -d does`);
    expect(run.stderr).toBe(warnings.map((w) => `warning: ${w}\n`).join(''));
  });

  it("refuses an empty --species", async () => {
    const run = await runCli('inspect', vasp4, '--species', ' , ');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: --species must list element symbols, one per species block ('Sn O'), got ' , '\n");
  });
});

describe('hydrogen the sites miss is named, in the answer and on stderr', () => {
  // Brucite, Mg(OH)2, as COD gives it, with its H row deleted: the O row says one H is attached.
  const brucite = [
    'data_brucite',
    "_chemical_formula_sum 'H2 Mg O2'",
    '_cell_length_a 3.142', '_cell_length_b 3.142', '_cell_length_c 4.766',
    '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 120',
    "_symmetry_space_group_name_H-M 'P -3 m 1'",
    'loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_attached_hydrogens',
    'Mg1 Mg 0 0 0 0',
    'O1 O 0.33333 0.66667 0.2216 1',
  ].join('\n');

  it('generate keeps MgO2 but warns of the implicit hydrogens and of the formula, in its JSON and on stderr', async () => {
    const path = join(dir, 'brucite-no-H.cif');
    writeFileSync(path, brucite);
    const run = await runCli('generate', path, '--types', 'vacancy');
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout) as { host: { formula: string }; warnings: string[] };
    expect(answer.host.formula).toBe('MgO2');
    const hydrogen = answer.warnings.filter((w) => /implicit hydrogens|lists H, which no site holds/.test(w));
    expect(hydrogen).toHaveLength(2);
    for (const w of hydrogen) expect(run.stderr).toContain(`warning: ${w}`);
  });
});
