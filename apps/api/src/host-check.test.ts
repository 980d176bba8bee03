import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRequest, prepareHost, type StructureFormat } from '@defect-candidates/core';
import { HttpError } from './errors.ts';
import { HostChecker, type HostCheckerOptions } from './host-check.ts';
import { WARM_UP_STRUCTURES } from './warm-up-structures.ts';

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
    const passed = await c.check(si, params());
    expect(passed).toMatchObject({ checked: true, host: { inputAtoms: 2, orbits: 1, elements: 1 } });
    // The automatic supercell of diamond Si: the smallest of at least 50 atoms with images 10 Å apart.
    expect((passed as { host: { supercellAtoms: number } }).host.supercellAtoms).toBeGreaterThanOrEqual(50);

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
    expect(await c.check(ironGrid(11), params())).toMatchObject({ checked: true, host: { inputAtoms: 1331 } });
    const explicit = await refusal(c.check(ironGrid(11), params({ supercell: [1] })));
    expect(explicit.code).toBe('invalid_supercell');
    expect(explicit.message).toMatch(/1331 atoms, more than the limit of 1000/);
  });

  it('accepts unchecked a structure it cannot check in time', async () => {
    // Every legal structure checks in well under a second now (issue 11), so a 1 ms limit stands in for a slow one.
    const c = checker({ timeoutMs: 1 });
    const verdict = await c.check(ironGrid(17), params({ supercell: [1] }));
    expect(verdict).toMatchObject({ checked: false });
    expect((verdict as { reason: string }).reason).toMatch(/not checked within 1 ms/);
  });

  it('judges slow, and remembers so, a structure whose own analysis outran the limit', async () => {
    // 64,000 atoms (above MAX_INPUT_ATOMS' default, allowed here): seconds of reading and symmetry
    // on warm threads, against a limit of 500 ms.
    const c = checker({ timeoutMs: 500, maxInputAtoms: 100_000 });
    await c.warm();
    const verdict = await c.check(ironGrid(40), params());
    expect(verdict).toMatchObject({ checked: false, slow: true });
    expect((verdict as { reason: string }).reason).toMatch(/not checked within 500 ms .*too large or complex/);
    // Without threads, only a remembered verdict can answer.
    await c.close();
    expect(await c.check(ironGrid(40), params({ random_seed: 3 }))).toBe(verdict);
  });

  it('remembers verdicts by the structure and the fields the check reads, not by the other parameters', async () => {
    const c = checker();
    const first = await c.check(si, params({ random_seed: 1 }));
    expect(first).toMatchObject({ checked: true });
    const bad = await refusal(c.check(truncated, params()));
    // Without threads, only a remembered verdict can answer: a new check is refused with 503.
    await c.close();
    expect(await c.check(si, params({ random_seed: 7, max_candidates: 3, defect_types: ['vacancy'], output_formats: ['cif'] }))).toBe(first);
    expect(await refusal(c.check(truncated, params({ dedupe_symmetry: false })))).toBe(bad);
    for (const fields of [{ symprec: 0.1 }, { min_image_distance: 12 }, { supercell: [2] }]) {
      expect((await refusal(c.check(si, params(fields)))).status, JSON.stringify(fields)).toBe(503);
    }
    expect((await refusal(c.check({ ...si, filename: 'POSCAR' }, params()))).status).toBe(503);
  });

  it('runs at most one check per API key at a time; other keys are not held up', async () => {
    const c = checker({ threads: 2, timeoutMs: 120_000, maxInputAtoms: 100_000 });
    await c.warm();
    const ended: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => ended.push(name));
    // Alice's slow structure first (27,000 atoms: a second or more); her quick one must wait for it, Bob's must not.
    const slow = track('alice slow', c.check(ironGrid(30), params(), 'alice'));
    const aliceQuick = track('alice quick', c.check(si, params(), 'alice'));
    await track('bob quick', c.check({ ...si, filename: 'POSCAR' }, params(), 'bob'));
    await Promise.all([slow, aliceQuick]);
    expect(ended).toEqual(['bob quick', 'alice slow', 'alice quick']);
  });

  it("gives up (unchecked, not slow) when the key's previous check outlasts the time limit", async () => {
    const c = checker({ threads: 2, timeoutMs: 500, maxInputAtoms: 100_000 });
    await c.warm();
    const slow = c.check(ironGrid(40), params(), 'alice');
    const waiting = await c.check(si, params(), 'alice');
    expect(waiting).toMatchObject({ checked: false, slow: false });
    expect((waiting as { reason: string }).reason).toMatch(/previous check/);
    expect(await slow).toMatchObject({ checked: false, slow: true });
  });

  it("does not judge slow (nor remember so) a structure that got only what its key's previous check left", async () => {
    const c = checker({ threads: 2, timeoutMs: 1000, maxInputAtoms: 100_000 });
    await c.warm();
    const slow = c.check(ironGrid(40), params(), 'alice');
    // Its turn comes when the first check times out, with about 300 ms of its own 1 s left: too
    // little for 27,000 atoms (a second or more), but no sign of a heavy job.
    await new Promise((r) => setTimeout(r, 300));
    const squeezed = await c.check(ironGrid(30), params(), 'alice');
    expect(squeezed).toMatchObject({ checked: false, slow: false });
    expect((squeezed as { reason: string }).reason).toMatch(/previous check/);
    expect(await slow).toMatchObject({ checked: false, slow: true });
  });

  it('warms every thread before saying it is warm', async () => {
    const c = checker({ threads: 2 });
    expect(c.isWarm).toBe(false);
    await c.warm();
    expect(c.isWarm).toBe(true);
    // Warm threads answer from the pool: closing it now would refuse any new check, so a pass
    // proves the warm-up ran the structure through, and this one is new (not remembered).
    expect(await c.check(si, params({ supercell: [3] }))).toMatchObject({ checked: true, host: { supercellAtoms: 54 } });
  });

  it('warms on structures that pass the check: every reader and several lattices, no warm-up of an error path', async () => {
    const groups = WARM_UP_STRUCTURES.map((w) => prepareHost({ content: w.content, format: w.format as StructureFormat }, {}).analysis.number);
    // Fd-3m, Im-3m, P4_2/mnm, Pm-3m, Fm-3m, P6_3mc, F-43m, P6_3/mmc.
    expect(groups).toEqual([227, 229, 136, 221, 225, 186, 216, 194]);
    expect(new Set(WARM_UP_STRUCTURES.map((w) => w.format))).toEqual(new Set(['poscar', 'cif', 'pymatgen', 'extxyz']));
  });
});
