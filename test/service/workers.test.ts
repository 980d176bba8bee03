import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { unzipSync, strFromU8 } from 'fflate';
import { QueueEvents } from 'bullmq';
import { GENERATE_QUEUE } from '@defect-candidates/service/queues';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { readFixture, referenceFor, structureFixture } from '../support/fixtures.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction, type TestApi, type WorkerHandle } from '../support/service.ts';

// The API in this process, two worker processes, a local HTTP server standing in for file hosts.
const GENERATE = '/generate-point-defect-candidates';
const cdte = structureFixture('CdTe.cif');
const cdteReference = referenceFor('CdTe.cif').pymatgen_analysis_defects;
const native = { defect_types: ['vacancy', 'substitution'] };

let api: TestApi;
let files: TestHttpServer;
let workers: WorkerHandle[] = [];
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('workers');
  // A small input limit: the 125-atom grid below is over it.
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { MAX_INPUT_ATOMS: '100' } });
  files = await startHttpServer({
    '/grid.vasp': respondWith(ironGrid(5)),
    '/CdTe.cif': respondWith(cdte),
    '/CdTe.cif.gz': respondWith(gzipSync(cdte), { contentType: 'application/gzip' }),
    '/missing.cif': respondWith('gone', { status: 404 }),
    '/garbage.cif': respondWith(readFixture('bad/not-a-structure.txt')),
    '/redirect.cif': (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', '/CdTe.cif');
      res.end();
    },
  });
  [api, ...workers] = await Promise.all([startTestApi(env), spawnWorker(env), spawnWorker(env)]);
  redis = await testRedis();
});

afterAll(async () => {
  await stopWorkers(workers);
  await api?.close();
  await files?.close();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

const names = (action: { response: { candidates: { name: string }[] } }) => action.response.candidates.map((c) => c.name);

/** n×n×n iron atoms on a 2.5 Å simple-cubic grid. */
function ironGrid(n: number): string {
  const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * n}`, 'Fe', String(n ** 3), 'Direct'];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) lines.push(`${i / n} ${j / n} ${k / n}`);
  return lines.join('\n');
}

describe('generation end to end', () => {
  it('inline structure: queued, then success with the reference candidates', async () => {
    const res = await api.call('POST', GENERATE, { body: { structure: { content: cdte, format: 'cif' }, ...native } });
    expect(res.status).toBe(202);
    const action = await waitForAction(api, res.body.id);
    expect(action.status).toBe('success');
    expect(action.error).toBeUndefined();
    // reference.json: pymatgen-analysis-defects finds v_Cd, v_Te and the antisites Cd_Te, Te_Cd.
    expect(names(action).sort()).toEqual([...cdteReference.vacancies, ...cdteReference.antisites].sort());
    expect(action.response.host.formula).toBe('CdTe');
    expect(action.progress).toEqual({ stage: 'done', percent: 100 });
    expect(Date.parse(action.started_at)).toBeGreaterThanOrEqual(Date.parse(action.created_at));
    expect(Date.parse(action.finished_at)).toBeGreaterThanOrEqual(Date.parse(action.started_at));
    expect(action.runs).toBe(1);
  });

  it('structure by URL: the worker downloads it, then success', async () => {
    const res = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/CdTe.cif`, filename: 'CdTe.cif' }, ...native } });
    const action = await waitForAction(api, res.body.id);
    expect(action.status).toBe('success');
    expect(names(action).sort()).toEqual(['Cd_Te', 'Te_Cd', 'v_Cd', 'v_Te']);
    const gz = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/CdTe.cif.gz`, filename: 'CdTe.cif' }, defect_types: ['vacancy'] } });
    expect(names(await waitForAction(api, gz.body.id)).sort()).toEqual(['v_Cd', 'v_Te']);
  });

  it('the archive holds every candidate, the bulk, the VASP folders when asked for, and the manifest', async () => {
    const res = await api.call('POST', GENERATE, { body: { structure: { content: cdte }, ...native, output_formats: ['poscar', 'cif', 'vasp'] } });
    const action = await waitForAction(api, res.body.id);
    const zip = await api.call('GET', `/actions/${res.body.id}/archive.zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toBe('attachment; filename="CdTe_defect_candidates.zip"');
    const entries = unzipSync(new Uint8Array(zip.raw));
    for (const name of names(action)) {
      expect(Object.keys(entries)).toContain(`${name}/POSCAR`);
      expect(strFromU8(entries[`${name}/POSCAR`])).toBe(action.response.candidates.find((c: { name: string }) => c.name === name).structures.poscar);
    }
    // The pristine supercell, and one VASP input folder per defect entry (doped's names).
    expect(strFromU8(entries['bulk/POSCAR'])).toBe(action.response.bulk.structures.poscar);
    for (const f of ['bulk/structure.cif', 'bulk/INCAR', 'bulk/KPOINTS', 'bulk/POTCAR.spec']) expect(Object.keys(entries)).toContain(f);
    expect(action.response.entries.length).toBeGreaterThan(names(action).length);
    for (const e of action.response.entries) {
      for (const f of ['POSCAR', 'INCAR', 'KPOINTS', 'POTCAR.spec']) expect(Object.keys(entries)).toContain(`${e.name}/${f}`);
    }
    expect(strFromU8(entries['v_Cd_-2/INCAR'])).toMatch(/^NELECT = 476 /m);
    const manifest = JSON.parse(strFromU8(entries['manifest.json']));
    expect(manifest.bulk.files).toEqual(['bulk/POSCAR', 'bulk/structure.cif', 'bulk/INCAR', 'bulk/KPOINTS', 'bulk/POTCAR.spec']);
    expect(manifest.entries.find((e: { name: string }) => e.name === 'v_Cd_-2').files).toEqual(['v_Cd_-2/POSCAR', 'v_Cd_-2/INCAR', 'v_Cd_-2/KPOINTS', 'v_Cd_-2/POTCAR.spec']);
  });

  it('a URL that does not serve a structure ends invalid_structure, without retries', async () => {
    const before = files.requests.filter((r) => r.path === '/garbage.cif').length;
    const res = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/garbage.cif` } } });
    const action = await waitForAction(api, res.body.id);
    expect(action.status).toBe('error');
    expect(action.error).toMatchObject({ code: 'invalid_structure', retryable: false });
    expect(action.error.message.length).toBeGreaterThan(10);
    expect(files.requests.filter((r) => r.path === '/garbage.cif').length - before).toBe(1);
  });

  it('one code and one message for one fault, whether the structure came inline (refused at submission) or by URL (the action ends)', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      // 125 atoms, over MAX_INPUT_ATOMS = 100
      ['input cell too large', '/grid.vasp', { structure: { content: ironGrid(5), format: 'poscar' } }],
      // 6×6×6 conventional CdTe cells: 1,728 atoms, over MAX_ATOMS = 1000
      ['supercell too large', '/CdTe.cif', { structure: { content: cdte, format: 'cif' }, supercell: [6] }],
    ];
    const codes: string[] = [];
    for (const [what, path, inline] of cases) {
      const refused = await api.call('POST', GENERATE, { body: inline });
      expect(refused.status, what).toBe(422);
      const { structure: _structure, ...rest } = inline;
      const res = await api.call('POST', GENERATE, { body: { ...rest, file: { url: `${files.url}${path}` } } });
      expect(res.status, what).toBe(202);
      const action = await waitForAction(api, res.body.id);
      expect(action.status, what).toBe('error');
      expect({ code: action.error.code, message: action.error.message }, what).toEqual({ code: refused.body.error.code, message: refused.body.error.message });
      codes.push(action.error.code);
    }
    expect(codes).toEqual(['invalid_structure', 'invalid_supercell']);
  });

  it('a 404 or a redirect ends download_failed at once; a flaky host is retried', async () => {
    const missing = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/missing.cif` } } });
    const redirect = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/redirect.cif` } } });
    let calls = 0;
    files.route('/flaky.cif', (_req, res) => {
      calls += 1;
      res.statusCode = calls < 3 ? 503 : 200;
      res.end(calls < 3 ? 'busy' : cdte);
    });
    const flaky = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/flaky.cif`, filename: 'x.cif' }, defect_types: ['vacancy'] } });

    const m = await waitForAction(api, missing.body.id);
    expect(m.error).toMatchObject({ code: 'download_failed', type: 'DownloadError', retryable: false });
    expect(m.error.message).toMatch(/404/);
    expect(files.requests.filter((r) => r.path === '/missing.cif')).toHaveLength(1);
    const r = await waitForAction(api, redirect.body.id);
    expect(r.error.code).toBe('download_failed');
    expect(r.error.message).toMatch(/redirect/);

    const f = await waitForAction(api, flaky.body.id);
    expect(f.status).toBe('success');
    expect(calls).toBe(3);
  });

  it('a host that keeps failing ends download_failed after DOWNLOAD_ATTEMPTS tries', async () => {
    files.route('/down.cif', respondWith('down', { status: 502 }));
    const res = await api.call('POST', GENERATE, { body: { file: { url: `${files.url}/down.cif` } } });
    const action = await waitForAction(api, res.body.id);
    expect(action.error).toMatchObject({ code: 'download_failed', retryable: true });
    expect(files.requests.filter((r) => r.path === '/down.cif')).toHaveLength(3);
  });
});

describe('two worker processes', () => {
  it('share a burst of 50 actions and each completes exactly once', async () => {
    const events = new QueueEvents(GENERATE_QUEUE, { connection: { url: await redisUrl() }, prefix });
    const completed: string[] = [];
    events.on('completed', ({ jobId }) => completed.push(jobId));
    await events.waitUntilReady();

    const ids = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await api.call('POST', GENERATE, { body: { structure: { content: cdte }, defect_types: ['vacancy'], random_seed: i } });
        expect(res.status).toBe(202);
        return res.body.id as string;
      }),
    );
    const actions = await Promise.all(ids.map((id) => waitForAction(api, id, { timeoutMs: 60_000 })));
    expect(actions.every((a) => a.status === 'success')).toBe(true);
    for (const a of actions) {
      expect(names(a).sort()).toEqual(['v_Cd', 'v_Te']);
      expect(a.runs).toBe(1);
      expect(await api.ctx.store.completionCount(a.id)).toBe(1);
    }
    // Every job completed once in BullMQ too, and both processes took part.
    await new Promise((r) => setTimeout(r, 300));
    await events.close();
    const ours = completed.filter((j) => ids.some((id) => j === `generate-${id}`));
    expect(ours.length).toBe(50);
    expect(new Set(ours).size).toBe(50);
    const perWorker = workers.map((w) => w.logs.filter((l) => l.msg === 'generation succeeded' && ids.includes(l.action_id as string)).length);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(50);
    for (const n of perWorker) expect(n).toBeGreaterThan(0);
  });
});
