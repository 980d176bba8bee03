import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GenerationCancelled, GenerationFailed, GenerationTimeout, GenerationTooHeavy, GeneratorPool } from './generator-pool.ts';

const fixtures = process.env.FIXTURES_DIR ?? join(import.meta.dirname, '../../../fixtures');
const cdte = readFileSync(join(fixtures, 'structures/CdTe.cif'), 'utf8');
const si = readFileSync(join(fixtures, 'structures/Si.vasp'), 'utf8');

describe('GeneratorPool', () => {
  const pool = new GeneratorPool({ size: 1, memoryMb: 1024 });
  afterAll(() => pool.close());

  it('runs the core in a thread and hands back the gzip-compressed answer', async () => {
    const stages: string[] = [];
    const result = await pool.run(
      { content: cdte, filename: 'CdTe.cif', request: { defect_types: ['vacancy', 'substitution'] }, maxAtoms: 1000 },
      { timeoutMs: 60_000, onProgress: (stage) => stages.push(stage) },
    );
    const answer = JSON.parse(gunzipSync(result.gzip).toString('utf8'));
    // pymatgen-analysis-defects and doped: CdTe has two vacancies and two antisites.
    expect(answer.candidates.map((c: { name: string }) => c.name).sort()).toEqual(['Cd_Te', 'Te_Cd', 'v_Cd', 'v_Te']);
    expect(result.candidates).toBe(4);
    expect(stages).toEqual(expect.arrayContaining(['read', 'symmetry', 'supercell', 'vacancies', 'substitutions', 'writing']));
  });

  it('with heavyJobMs, estimates the job from the prepared host and stops one above it before building defects', async () => {
    const estimates: number[] = [];
    const stages: string[] = [];
    const light = await pool.run(
      { content: cdte, filename: 'CdTe.cif', request: { defect_types: ['vacancy'] }, maxAtoms: 1000, heavyJobMs: 1000 },
      { timeoutMs: 60_000, onEstimate: (ms) => estimates.push(ms) },
    );
    expect(light.candidates).toBe(2);
    expect(estimates).toHaveLength(1);
    expect(estimates[0]).toBeLessThanOrEqual(1000);
    // The same job against a threshold below its estimate: stopped once prepared, with the host's counts.
    const err = await pool
      .run({ content: cdte, filename: 'CdTe.cif', request: { defect_types: ['vacancy'] }, maxAtoms: 1000, heavyJobMs: 1 }, { timeoutMs: 60_000, onProgress: (stage) => stages.push(stage) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationTooHeavy);
    expect((err as GenerationTooHeavy).estimateMs).toBe(estimates[0]);
    expect((err as GenerationTooHeavy).host).toMatchObject({ inputAtoms: 8, orbits: 2, elements: 2 });
    expect(stages).not.toContain('vacancies');
  });

  it("reports the core's refusal as the input's fault", async () => {
    const err = await pool.run({ content: 'this is no structure', request: {}, maxAtoms: 1000 }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationFailed);
    expect((err as GenerationFailed).failure.core).toBe(true);
    expect((err as GenerationFailed).failure.name).toBe('StructureError');
  });

  it('stops a run past its time limit and keeps serving with a fresh thread', async () => {
    // 1000 atoms, no deduplication, 200 candidates in four formats: about a second of work.
    const heavy = { content: cdte, filename: 'CdTe.cif', request: { supercell: [5], dedupe_symmetry: false, max_candidates: 200, max_candidates_per_type: 100, output_formats: ['poscar', 'cif', 'pymatgen', 'extxyz'] }, maxAtoms: 1000 };
    const err = await pool.run(heavy, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationTimeout);
    const next = await pool.run({ content: si, filename: 'Si.vasp', request: { defect_types: ['vacancy'] }, maxAtoms: 1000 }, { timeoutMs: 60_000 });
    expect(JSON.parse(gunzipSync(next.gzip).toString('utf8')).candidates.map((c: { name: string }) => c.name)).toEqual(['v_Si']);
  });

  it('abandons a run when its signal aborts', async () => {
    const controller = new AbortController();
    const running = pool.run({ content: cdte, filename: 'CdTe.cif', request: { supercell: [5], dedupe_symmetry: false, max_candidates: 200, max_candidates_per_type: 100 }, maxAtoms: 1000 }, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort('shutdown');
    await expect(running).rejects.toBeInstanceOf(GenerationCancelled);
  });
});
