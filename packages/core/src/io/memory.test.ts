/**
 * The readers' memory is linear in the file with a small constant: a valid file followed by a long
 * run of blank lines or spaces once cost 30–40 times its size (a POSCAR with 20 MB of newlines
 * took 860 MB, split into an array of 20 million lines). Each case runs in a child process that
 * reports how far its peak resident memory rose while decoding and reading; no timing is checked.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test/support/fixtures.ts';

const TAIL_MIB = 20;

/** Peak growth allowed, in multiples of the file's unpacked size: the text itself, and for gzip its unpacked bytes too. */
const BUDGET = 4;

function measure(args: string[]): Promise<{ inputBytes: number; growthBytes: number; sites: number }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')));
    execFile(process.execPath, ['--import', 'tsx', 'test/support/read-memory-child.ts', ...args], { cwd: REPO_ROOT, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('reading a file with a long whitespace tail costs memory linear in its size', () => {
  it.each([
    ['GaN.vasp', 'newlines', 4],
    ['GaN.vasp', 'crlf', 4],
    ['GaN.vasp', 'line', 4],
    ['CdTe.cif', 'newlines', 8],
    ['CdTe.cif', 'spaces', 8],
    ['MgO.json', 'newlines', 8],
    ['GaN.extxyz', 'newlines', 4],
  ])('%s followed by 20 MiB of %s (%i sites)', async (name, tail, sites) => {
    const run = await measure([name, tail, String(TAIL_MIB)]);
    expect(run.sites).toBe(sites);
    expect(run.growthBytes).toBeLessThan(BUDGET * run.inputBytes);
  });

  it('the same POSCAR gzip-compressed (97 KB that unpack to 20 MiB)', async () => {
    const run = await measure(['GaN.vasp', 'newlines', String(TAIL_MIB), 'gzip']);
    expect(run.sites).toBe(4);
    expect(run.growthBytes).toBeLessThan(BUDGET * run.inputBytes);
  });
});
