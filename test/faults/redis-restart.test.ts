import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { structureFixture } from '../support/fixtures.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';
import { uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { isFinished, readStatuses, submitMany, tally, waitForAll } from '../support/bulk-actions.ts';

// Redis goes away (gracefully: SIGTERM, AOF flushed) while actions are queued and running, and
// comes back on the same port with the same data. The API must say 503 promptly while it is gone
// and recover on its own; every action accepted before, during or after must complete, once.

const GENERATE = '/generate-point-defect-candidates';
const si = structureFixture('Si.vasp');
const cdte = structureFixture('CdTe.cif');
/** Every request to the API while Redis is down must be answered within this (it is a hang guard, not a speed target). */
const ANSWER_GUARD_MS = 15_000;

let server: PrivateRedis;
let files: TestHttpServer;
let api: TestApi;
let redis: Redis;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  server = await startPrivateRedis();
  // A slow host: each download takes 400 ms, so jobs are still running and queued when Redis stops.
  files = await startHttpServer({
    '/slow.cif': (_req, res: ServerResponse) => {
      setTimeout(() => {
        if (!res.destroyed) res.end(cdte);
      }, 400);
    },
  });
  const env = serviceEnv({ prefix: uniquePrefix('faults-redis'), redisUrl: server.url, extra: { REDIS_TIMEOUT_MS: '1000', WORKER_CONCURRENCY: '2' } });
  api = await startTestApi(env);
  workers.push(await spawnWorker(env));
  redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await files?.close();
  redis?.disconnect();
  // The whole server (and so every key of this test) goes with its folder.
  await server?.destroy();
});

/** One request with a hard bound on the wait, so a hang fails the test instead of stalling it. */
async function bounded(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: 'Bearer alice-secret-0001', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_GUARD_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

describe('Redis restarted while actions are queued and running', () => {
  it('the API answers 503 while it is down, recovers by itself, and every accepted action completes once', { timeout: 120_000 }, async () => {
    const byUrl = (i: number) => ({ file: { url: `${files.url}/slow.cif`, filename: 'CdTe.cif' }, defect_types: ['vacancy'], random_seed: i });
    const inline = (i: number) => ({ structure: { content: si, format: 'poscar' }, supercell: [2], defect_types: ['vacancy'], random_seed: i });
    const before = await submitMany(api, 24, (i) => (i % 2 === 0 ? byUrl(i) : inline(i)), { concurrency: 4 });

    // Take Redis away once some actions run and others still wait.
    let snapshot: Record<string, number> = {};
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      snapshot = tally(await readStatuses(redis, api.ctx.config.keyPrefix, before), before);
      if ((snapshot['in-progress'] ?? 0) > 0 && (snapshot.queued ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(snapshot['in-progress'], JSON.stringify(snapshot)).toBeGreaterThan(0);
    expect(snapshot.queued, JSON.stringify(snapshot)).toBeGreaterThan(0);
    await server.stop();

    // While it is down: prompt, clear 503s; nothing hangs.
    const submitDown = await bounded('POST', GENERATE, inline(100));
    expect(submitDown.status).toBe(503);
    expect(submitDown.body.error.code).toBe('unavailable');
    expect(submitDown.body.error.message).toMatch(/Redis/);
    const readDown = await bounded('GET', `/actions/${before[0]}`);
    expect(readDown.status).toBe(503);
    expect(readDown.body.error.message).toMatch(/Redis/);
    const listDown = await bounded('GET', '/actions');
    expect(listDown.status).toBe(503);
    const ready = await bounded('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.message).toMatch(/not answering/);
    // Down for a while longer: running jobs try to record their ends, locks expire.
    await new Promise((r) => setTimeout(r, 2_500));

    await server.start();

    // The API comes back on its own: the same kind of request is accepted again within seconds.
    let recoveredAfterMs = -1;
    const restarted = Date.now();
    let after: string | null = null;
    while (Date.now() - restarted < 20_000) {
      const res = await bounded('POST', GENERATE, inline(200));
      if (res.status === 202) {
        after = res.body.id as string;
        recoveredAfterMs = Date.now() - restarted;
        break;
      }
      expect(res.status).toBe(503);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(after, 'the API did not accept a submission within 20 s of Redis coming back').not.toBeNull();
    expect((await bounded('GET', '/readyz')).status).toBe(200);

    // Every action accepted before the outage, and the one after, completes, and only once.
    const ids = [...before, after!];
    const statuses = await waitForAll(redis, api.ctx.config.keyPrefix, ids, { timeoutMs: 60_000, done: isFinished });
    expect(tally(statuses, ids)).toEqual({ success: ids.length });
    expect(tally(statuses, ids, (s) => String(s?.completions))).toEqual({ '1': ids.length });
    const worker = workers[0];
    expect(worker.proc.exitCode).toBeNull();
    const rerun = ids.filter((id) => (statuses.get(id)?.runs ?? 0) > 1).length;

    console.log(
      `redis restart: down with ${JSON.stringify(snapshot)}; 503s answered in ${submitDown.ms}/${readDown.ms}/${listDown.ms} ms; ` +
        `API accepted again ${recoveredAfterMs} ms after Redis returned; ${ids.length} actions succeeded, ${rerun} of them re-run`,
    );
  });
});
