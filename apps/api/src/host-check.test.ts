import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRequest } from '@defect-candidates/core';
import { HttpError } from './errors.ts';
import { HostChecker, type HostCheckerOptions } from './host-check.ts';

const FIXTURES = process.env.FIXTURES_DIR ?? join(import.meta.dirname, '../../../fixtures');
const si = { content: readFileSync(join(FIXTURES, 'structures/Si.vasp'), 'utf8'), filename: 'Si.vasp' };
const truncated = { content: readFileSync(join(FIXTURES, 'bad/truncated.vasp'), 'utf8'), filename: 'truncated.vasp' };

/** n×n×n iron atoms on a 2.5 Å simple-cubic grid: valid, one pure translation per atom. */
function ironGrid(n: number): { content: string; format: string } {
  const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * n}`, 'Fe', String(n ** 3), 'Direct'];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) lines.push(`${i / n} ${j / n} ${k / n}`);
  return { content: lines.join('\n'), format: 'poscar' };
}

const params = (fields: Record<string, unknown> = {}) => parseRequest(fields) as unknown as Record<string, unknown>;

let checkers: HostChecker[] = [];
function checker(options: Partial<HostCheckerOptions> = {}): HostChecker {
  const c = new HostChecker({ maxAtoms: 1000, maxInputAtoms: 5000, threads: 1, timeoutMs: 60_000, ...options });
  checkers.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(checkers.map((c) => c.close()));
  checkers = [];
});

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe('HostChecker', () => {
  it('passes a good structure and refuses bad ones with the 422 the API answers', async () => {
    const c = checker();
    expect(await c.check(si, params())).toEqual({ checked: true });

    const bad = await refusal(c.check(truncated, params()));
    expect(bad.status).toBe(422);
    expect(bad.code).toBe('invalid_structure');
    expect(bad.issues?.[0].path).toBe('structure.content');

    // Si.vasp has 2 atoms: [10] is 2,000.
    const big = await refusal(c.check(si, params({ supercell: [10] })));
    expect(big.status).toBe(422);
    expect(big.code).toBe('invalid_supercell');
    expect(big.message).toMatch(/2000 atoms, more than the limit of 1000/);
  });

  it('refuses an input cell over the input atom limit at once, with the code the worker gives it', async () => {
    const err = await refusal(checker({ maxInputAtoms: 1000 }).check(ironGrid(11), params({ supercell: [1] })));
    expect(err.code).toBe('invalid_structure');
    expect(err.message).toMatch(/the input cell has 1331 atoms, more than the limit of 1000 atoms per input cell/);
  });

  it('checks an input cell larger than the supercell limit: its automatic supercell comes from the primitive cell', async () => {
    const c = checker();
    expect(await c.check(ironGrid(11), params())).toEqual({ checked: true });
    const explicit = await refusal(c.check(ironGrid(11), params({ supercell: [1] })));
    expect(explicit.code).toBe('invalid_supercell');
    expect(explicit.message).toMatch(/1331 atoms, more than the limit of 1000/);
  });

  it('accepts unchecked a structure it cannot check in time, without remembering that verdict', async () => {
    // Every structure checks in well under a second now (issue 11), so a 1 ms limit stands in for a slow one.
    const c = checker({ timeoutMs: 1 });
    const verdict = await c.check(ironGrid(17), params({ supercell: [1] }));
    expect(verdict).toMatchObject({ checked: false });
    expect((verdict as { reason: string }).reason).toMatch(/not checked within 1 ms/);
  });

  it('remembers verdicts by the structure and the fields the check reads, not by the other parameters', async () => {
    const c = checker();
    expect(await c.check(si, params({ random_seed: 1 }))).toEqual({ checked: true });
    const bad = await refusal(c.check(truncated, params()));
    // Without threads, only a remembered verdict can answer: a new check is refused with 503.
    await c.close();
    expect(await c.check(si, params({ random_seed: 7, max_candidates: 3, defect_types: ['vacancy'], output_formats: ['cif'] }))).toEqual({ checked: true });
    expect(await refusal(c.check(truncated, params({ dedupe_symmetry: false })))).toBe(bad);
    for (const fields of [{ symprec: 0.1 }, { min_image_distance: 12 }, { supercell: [2] }]) {
      expect((await refusal(c.check(si, params(fields)))).status, JSON.stringify(fields)).toBe(503);
    }
    expect((await refusal(c.check({ ...si, filename: 'POSCAR' }, params()))).status).toBe(503);
  });
});
