import { afterEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction, type TestApi, type WorkerHandle } from '../support/service.ts';

// Workers that die, are told to stop, or meet a job that runs too long. Each test has its own
// prefix, API and workers, so it controls which process holds which job.
const GENERATE = '/generate-point-defect-candidates';
const cdte = structureFixture('CdTe.cif');
const si = structureFixture('Si.vasp');

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup(name: string, extra: Record<string, string> = {}) {
  const prefix = uniquePrefix(name);
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra });
  const files = await startHttpServer();
  const api = await startTestApi(env);
  const redis = await testRedis();
  const workers: WorkerHandle[] = [];
  cleanup.push(async () => {
    await stopWorkers(workers);
    await api.close();
    await files.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  return { env, files, api, workers };
}

/** Serves CdTe, holding the first request open for `holdMs` (the "slow host"). */
function slowFirstRequest(files: TestHttpServer, path: string, holdMs: number) {
  let n = 0;
  files.route(path, (_req, res: ServerResponse) => {
    n += 1;
    const send = () => {
      if (!res.destroyed) res.end(cdte);
    };
    if (n === 1) setTimeout(send, holdMs);
    else send();
  });
  return () => n;
}

async function submitByUrl(api: TestApi, url: string) {
  const res = await api.call('POST', GENERATE, { body: { file: { url, filename: 'CdTe.cif' }, defect_types: ['vacancy', 'substitution'] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

describe('worker faults', () => {
  it('a worker killed with SIGKILL mid-job: another worker completes the action, once', async () => {
    const { env, files, api, workers } = await setup('sigkill');
    const requests = slowFirstRequest(files, '/slow.cif', 20_000);
    workers.push(...(await Promise.all([spawnWorker(env), spawnWorker(env)])));
    const id = await submitByUrl(api, `${files.url}/slow.cif`);

    await files.waitForRequest('/slow.cif');
    const holder = workers.find((w) => w.logs.some((l) => l.msg === 'generation started' && l.action_id === id));
    expect(holder).toBeDefined();
    expect((await api.call('GET', `/actions/${id}`)).body.status).toBe('in-progress');
    holder!.kill('SIGKILL');
    expect((await holder!.exited).signal).toBe('SIGKILL');

    const action = await waitForAction(api, id, { timeoutMs: 30_000 });
    expect(action.status).toBe('success');
    expect(action.response.candidates.map((c: { name: string }) => c.name).sort()).toEqual(['Cd_Te', 'Te_Cd', 'v_Cd', 'v_Te']);
    expect(action.runs).toBe(2);
    expect(requests()).toBe(2);
    expect(await api.ctx.store.completionCount(id)).toBe(1);
    const survivor = workers.find((w) => w !== holder)!;
    expect(survivor.logs.some((l) => l.msg === 'generation succeeded' && l.action_id === id)).toBe(true);
  });

  it('SIGTERM: a job that outlives the grace period goes back to the queue, and the process exits cleanly', async () => {
    const { env, files, api, workers } = await setup('sigterm', { SHUTDOWN_GRACE_MS: '300' });
    slowFirstRequest(files, '/slow.cif', 20_000);
    const first = await spawnWorker(env);
    workers.push(first);
    const id = await submitByUrl(api, `${files.url}/slow.cif`);
    await files.waitForRequest('/slow.cif');

    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.logs.some((l) => l.msg === 'handing the job back to the queue' && l.action_id === id)).toBe(true);
    const handedBack = (await api.call('GET', `/actions/${id}`)).body;
    expect(handedBack.status).toBe('queued');

    workers.push(await spawnWorker(env));
    const action = await waitForAction(api, id);
    expect(action.status).toBe('success');
    expect(action.runs).toBe(2);
  });

  it('SIGTERM: a job that ends within the grace period finishes before the process exits', async () => {
    const { env, files, api, workers } = await setup('sigterm-finish', { SHUTDOWN_GRACE_MS: '15000' });
    slowFirstRequest(files, '/slow.cif', 1500);
    const worker = await spawnWorker(env);
    workers.push(worker);
    const id = await submitByUrl(api, `${files.url}/slow.cif`);
    await files.waitForRequest('/slow.cif');
    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const action = (await api.call('GET', `/actions/${id}`)).body;
    expect(action.status).toBe('success');
    expect(action.runs).toBe(1);
  });

  it('a job past JOB_TIMEOUT_MS is stopped and errored; the worker keeps serving', async () => {
    const { env, files, api, workers } = await setup('timeout', { JOB_TIMEOUT_MS: '2500', DOWNLOAD_TIMEOUT_MS: '60000' });
    slowFirstRequest(files, '/hangs.cif', 30_000);
    workers.push(await spawnWorker(env, {}));
    const id = await submitByUrl(api, `${files.url}/hangs.cif`);
    const action = await waitForAction(api, id);
    expect(action.status).toBe('error');
    expect(action.error).toMatchObject({ code: 'timeout', type: 'TimeoutError', retryable: false });
    expect(action.error.message).toMatch(/2\.5 s/);

    const next = await api.call('POST', GENERATE, { body: { structure: { content: si }, defect_types: ['vacancy'] } });
    const ok = await waitForAction(api, next.body.id);
    expect(ok.status).toBe('success');
    expect(ok.response.candidates.map((c: { name: string }) => c.name)).toEqual(['v_Si']);
  });
});
