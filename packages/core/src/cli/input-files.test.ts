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
