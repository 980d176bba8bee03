import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { structureFixture } from '../support/fixtures.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { type Caller, type TestApi, type WorkerHandle, serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction } from '../support/service.ts';
import { ironGrid, jitteredIronGrid } from '../support/structures.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';

// One key's queued work never blocks another key's (issue 15): fair turns between keys on the
// generate queue, heavy jobs on a queue of their own, and light jobs that turn out long moved there.
const GENERATE = '/generate-point-defect-candidates';
const cdte = structureFixture('CdTe.cif');

let redis: Redis;
let workers: WorkerHandle[] = [];
let apis: TestApi[] = [];
let servers: TestHttpServer[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  redis = await testRedis();
});

afterEach(async () => {
  await stopWorkers(workers);
  workers = [];
  await Promise.all(apis.map((a) => a.close()));
  apis = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis?.disconnect();
});

async function deployment(name: string, extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; api: TestApi }> {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra });
  const api = await startTestApi(env, [batchesPlugin()]);
  apis.push(api);
  return { env, api };
}

async function submit(api: TestApi, as: Caller, body: Record<string, unknown>): Promise<string> {
  const res = await api.call('POST', GENERATE, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
}

describe('fair turns between API keys', () => {
  it('a newcomer waits for one job, not for the queue; two backlogs alternate one job each', { timeout: 120_000 }, async () => {
    const { env, api } = await deployment('fair-turns');
    const small = { structure: { content: cdte }, defect_types: ['vacancy'] };
    const owners = new Map<string, string>();
    // Alice queues 20 while no worker runs, then Bob one, then the operator 10.
    for (let i = 0; i < 20; i++) owners.set(await submit(api, 'alice', { ...small, random_seed: i }), 'alice');
    owners.set(await submit(api, 'bob', small), 'bob');
    for (let i = 0; i < 10; i++) owners.set(await submit(api, 'ops', { ...small, random_seed: i }), 'ops');

    // One worker, one slot: the order in which jobs start is the order the queue gives them.
    const worker = await spawnWorker({ ...env, WORKER_CONCURRENCY: '1', WORKER_QUEUES: 'generate' });
    workers.push(worker);
    for (const id of owners.keys()) await waitForAction(api, id, { as: 'ops', timeoutMs: 60_000 });
    const started = worker.logs.filter((l) => l.msg === 'generation started').map((l) => owners.get(l.action_id as string));
    expect(started).toHaveLength(31);
    // First in line on arrival: Alice's first, Bob's only, the operator's first; then Alice and the
    // operator take turns until the operator's 10 are done (first-in, first-out would have run Bob's 21st).
    expect(started.slice(0, 21)).toEqual(['alice', 'bob', 'ops', ...Array.from({ length: 9 }, () => ['alice', 'ops']).flat()]);
    expect(started.slice(21)).toEqual(Array(10).fill('alice'));
  });
});

describe('fair turns after a backlog has started', () => {
  it("an old backlog's next job takes turns with a newcomer's burst (the owner's next job moves to the front)", { timeout: 120_000 }, async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const files = await startHttpServer({
      '/gate.cif': async (_req, res) => {
        await gate;
        res.end(cdte);
      },
    });
    servers.push(files);
    const { env, api } = await deployment('fair-backlog');
    const small = { structure: { content: cdte }, defect_types: ['vacancy'] };
    const owners = new Map<string, string>();
    // Alice's 20, queued with priorities 1..20; her 10th waits on a download the test holds.
    for (let i = 0; i < 9; i++) owners.set(await submit(api, 'alice', { ...small, random_seed: i }), 'alice');
    const gated = await submit(api, 'alice', { file: { url: `${files.url}/gate.cif`, filename: 'gate.cif' }, defect_types: ['vacancy'] });
    owners.set(gated, 'alice');
    for (let i = 10; i < 20; i++) owners.set(await submit(api, 'alice', { ...small, random_seed: i }), 'alice');
    const worker = await spawnWorker({ ...env, WORKER_CONCURRENCY: '1', WORKER_QUEUES: 'generate' });
    workers.push(worker);
    await worker.waitForLog((l) => l.msg === 'generation started' && l.action_id === gated, 60_000);
    // Half of Alice's backlog has started; the operator's burst arrives with priorities 1..10.
    for (let i = 0; i < 10; i++) owners.set(await submit(api, 'ops', { ...small, random_seed: i }), 'ops');
    open();
    for (const id of owners.keys()) await waitForAction(api, id, { as: 'ops', timeoutMs: 60_000 });
    const started = worker.logs.filter((l) => l.msg === 'generation started').map((l) => owners.get(l.action_id as string));
    expect(started.slice(0, 10)).toEqual(Array(10).fill('alice'));
    // Without moving Alice's next job to the front, the operator's ten would all run first.
    expect(started.slice(10)).toEqual(Array.from({ length: 10 }, () => ['alice', 'ops']).flat());
  });
});

describe('fair turns with batches', () => {
  it("a batch's items wait in their key's line in item order, each on the queue its own check chose", { timeout: 150_000 }, async () => {
    const { env, api } = await deployment('fair-batch');
    const small = { structure: { content: cdte }, defect_types: ['vacancy'] };
    // The heavy item as in 'heavy jobs apart': a 343-atom P1 cell with interstitials, estimated at 1.8 s.
    const heavy = { structure: { content: jitteredIronGrid(7), format: 'poscar' }, supercell: [1], defect_types: ['vacancy', 'interstitial'] };
    const items = [...Array.from({ length: 4 }, (_, i) => ({ ...small, random_seed: i })), heavy, ...Array.from({ length: 4 }, (_, i) => ({ ...small, random_seed: 4 + i }))];
    const batch = await api.call('POST', '/batches', { body: { items } });
    expect(batch.status, JSON.stringify(batch.body)).toBe(202);
    const ids: string[] = batch.body.actions.map((a: { id: string }) => a.id);
    const bob = await submit(api, 'bob', small);

    const heavyId = ids[4];
    const lightIds = ids.filter((id) => id !== heavyId);
    expect((await api.call('GET', `/actions/${heavyId}`)).body).toMatchObject({ queue: 'generate-heavy', batch_id: batch.body.id });
    expect((await api.ctx.heavyQueue.getJob(`generate-${heavyId}`))?.priority).toBe(1);
    // Each light item's priority is its place in Alice's line on `generate`, in item order.
    const priorities = await Promise.all(lightIds.map(async (id) => (await api.ctx.queue.getJob(`generate-${id}`))?.priority));
    expect(priorities).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const id of lightIds) expect((await api.call('GET', `/actions/${id}`)).body.queue).toBe('generate');

    const owners = new Map<string, string>([...lightIds.map((id) => [id, 'alice'] as [string, string]), [bob, 'bob']]);
    const worker = await spawnWorker({ ...env, WORKER_CONCURRENCY: '1', WORKER_QUEUES: 'generate' });
    workers.push(worker);
    for (const id of owners.keys()) await waitForAction(api, id, { as: 'ops', timeoutMs: 60_000 });
    const started = worker.logs.filter((l) => l.msg === 'generation started').map((l) => l.action_id as string);
    // Bob's single request waits for one of the batch's jobs, not for the batch.
    expect(started.map((id) => owners.get(id))).toEqual(['alice', 'bob', ...Array(7).fill('alice')]);
    expect(started.filter((id) => id !== bob)).toEqual(lightIds);
    expect((await api.call('GET', `/actions/${heavyId}`)).body.status).toBe('queued');
  });
});

describe('heavy jobs apart', () => {
  it('a job estimated over HEAVY_JOB_MS goes to generate-heavy, which light workers never take', { timeout: 150_000 }, async () => {
    // A 343-atom P1 cell: its interstitial search alone is estimated at 1.8 s (0.015 ms × 343 × 343),
    // over the default HEAVY_JOB_MS of 1 s, whatever the machine's load adds to the measured part.
    const { env, api } = await deployment('fair-heavy');
    const heavy = await submit(api, 'alice', { structure: { content: jitteredIronGrid(7), format: 'poscar' }, supercell: [1], defect_types: ['vacancy', 'interstitial'] });
    const light = await submit(api, 'alice', { structure: { content: cdte }, defect_types: ['vacancy'] });
    expect((await api.call('GET', `/actions/${heavy}`)).body).toMatchObject({ status: 'queued', queue: 'generate-heavy' });
    expect((await api.call('GET', `/actions/${light}`)).body).toMatchObject({ queue: 'generate' });
    expect(await api.ctx.heavyQueue.getJob(`generate-${heavy}`)).toBeTruthy();

    workers.push(await spawnWorker({ ...env, WORKER_QUEUES: 'generate' }));
    expect((await waitForAction(api, light)).status).toBe('success');
    // The light worker finished the later, light job and left the heavy one alone.
    expect((await api.call('GET', `/actions/${heavy}`)).body.status).toBe('queued');

    workers.push(await spawnWorker({ ...env, WORKER_QUEUES: 'generate-heavy' }));
    const done = await waitForAction(api, heavy, { timeoutMs: 100_000 });
    expect(done).toMatchObject({ status: 'success', runs: 1, queue: 'generate-heavy' });
  });

  it('a structure whose analysis outruns the submission check goes to generate-heavy', { timeout: 60_000 }, async () => {
    // 64,000 atoms (an input limit raised for the test): seconds of reading and symmetry, against 500 ms.
    const { api } = await deployment('fair-slow', { HOST_CHECK_TIMEOUT_MS: '500', MAX_INPUT_ATOMS: '100000' });
    await api.ctx.hostChecker.warm();
    const id = await submit(api, 'alice', { structure: { content: ironGrid(40), format: 'poscar' }, defect_types: ['vacancy'] });
    expect((await api.call('GET', `/actions/${id}`)).body.queue).toBe('generate-heavy');
  });

  it('a URL structure estimated heavy once downloaded moves to generate-heavy at once, not after LIGHT_JOB_BUDGET_MS, downloaded once', { timeout: 180_000 }, async () => {
    // The same 343-atom P1 cell with interstitials (estimated at about 1.8 s from its counts),
    // served by a real HTTP server; the light budget is out of reach, so only the estimate can move it.
    const files = await startHttpServer({ '/grid.vasp': respondWith(jitteredIronGrid(7)) });
    servers.push(files);
    const { env, api } = await deployment('fair-url-estimate', { LIGHT_JOB_BUDGET_MS: '3600000', JOB_TIMEOUT_MS: '3600000' });
    const id = await submit(api, 'alice', { file: { url: `${files.url}/grid.vasp`, filename: 'grid.vasp' }, supercell: [1], defect_types: ['vacancy', 'interstitial'] });
    expect((await api.call('GET', `/actions/${id}`)).body.queue).toBe('generate');
    const worker = await spawnWorker(env);
    workers.push(worker);
    const done = await waitForAction(api, id, { timeoutMs: 150_000 });
    expect(done).toMatchObject({ status: 'success', queue: 'generate-heavy', runs: 2 });
    const moved = worker.logs.find((l) => l.action_id === id && /moved to generate-heavy/.test(String(l.msg)));
    expect(moved?.msg).toMatch(/estimated over HEAVY_JOB_MS/);
    expect(moved).toMatchObject({ inputAtoms: 343, orbits: 343, supercellAtoms: 343 });
    expect(Number(moved?.estimate_ms)).toBeGreaterThan(1000);
    // The heavy run reads the kept copy.
    expect(files.requests.filter((r) => r.path === '/grid.vasp')).toHaveLength(1);
    // A light URL job is estimated too, and stays where it is.
    const small = await submit(api, 'alice', { file: { url: `${files.url}/grid.vasp`, filename: 'grid.vasp' }, supercell: [1], defect_types: ['vacancy'] });
    expect(await waitForAction(api, small, { timeoutMs: 60_000 })).toMatchObject({ status: 'success', queue: 'generate', runs: 1 });
    expect(worker.logs.some((l) => l.action_id === small && l.msg === 'job cost estimated' && Number(l.estimate_ms) <= 1000)).toBe(true);
  });

  it('a URL structure still running after LIGHT_JOB_BUDGET_MS moves to generate-heavy, downloaded once, with what unpacking it assumed', { timeout: 180_000 }, async () => {
    // A 343-atom P1 cell with interstitials (seconds of Voronoi analysis), as UTF-16 without a
    // byte-order mark: the download's warning must reach the answer of the heavy run.
    const files = await startHttpServer({ '/grid.vasp': respondWith(Buffer.from(jitteredIronGrid(7), 'utf16le')) });
    servers.push(files);
    // HEAVY_JOB_MS out of reach: the estimate made after the download calls it light, so only the budget can move it.
    const { env, api } = await deployment('fair-budget', { LIGHT_JOB_BUDGET_MS: '300', HEAVY_JOB_MS: '100000000' });
    const id = await submit(api, 'alice', { file: { url: `${files.url}/grid.vasp`, filename: 'grid.vasp' }, supercell: [1], defect_types: ['vacancy', 'interstitial'] });
    expect((await api.call('GET', `/actions/${id}`)).body.queue).toBe('generate');
    // One process taking both queues, as `npm start` runs it.
    const worker = await spawnWorker(env);
    workers.push(worker);
    const done = await waitForAction(api, id, { timeoutMs: 150_000 });
    expect(done).toMatchObject({ status: 'success', queue: 'generate-heavy', runs: 2 });
    expect(done.response.warnings.filter((w: string) => /UTF-16 text without a byte-order mark/.test(w))).toHaveLength(1);
    expect(worker.logs.some((l) => l.action_id === id && /moved to generate-heavy/.test(String(l.msg)))).toBe(true);
    expect(files.requests.filter((r) => r.path === '/grid.vasp')).toHaveLength(1);
  });
});
