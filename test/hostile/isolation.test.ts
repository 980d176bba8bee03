import type { Redis } from 'ioredis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type Caller, type TestApi, type WorkerHandle } from '../support/service.ts';
import { sparePort } from '../support/private-redis.ts';
import { waitForAll } from '../support/bulk-actions.ts';

// One client's key never reads, lists, downloads or retries another's actions, nor the platform's;
// and what it gets back for someone else's action is exactly what it gets for an id that does not
// exist, so it cannot even learn which ids are taken.

const GENERATE = '/generate-point-defect-candidates';
const si = structureFixture('Si.vasp');

let prefix: string;
let redis: Redis;
let api: TestApi;
const workers: WorkerHandle[] = [];

/** Alice's actions (one with a webhook that fails), and one the platform sent. */
let alice: string[] = [];
let platformId: string;
/** Strings only Alice's and the platform's records hold: if one shows up in Bob's answers, something leaked. */
let markers: string[] = [];
let bobsOwn: string;

beforeAll(async () => {
  prefix = uniquePrefix('hostile-isolation');
  redis = await testRedis();
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { WEBHOOK_RETRY_DELAYS_MS: '0,50' } });
  api = await startTestApi(env, [webhooksPlugin()]);
  workers.push(await spawnWorker(env));

  const deadPort = await sparePort();
  const aliceHook = `http://127.0.0.1:${deadPort}/alice-private-hook-${Date.now()}`;
  for (const body of [
    { structure: { content: si }, defect_types: ['vacancy'], random_seed: 424242 },
    { structure: { content: si }, defect_types: ['vacancy'], random_seed: 434343, webhook_url: aliceHook },
  ]) {
    const res = await api.call('POST', GENERATE, { as: 'alice', body, headers: { 'idempotency-key': `alice-key-${body.random_seed}` } });
    expect(res.status).toBe(202);
    alice.push(res.body.id);
  }
  platformId = `platform-action-${Date.now()}`;
  const platform = await api.call('POST', GENERATE, { as: 'ouro', body: { structure: { content: si }, defect_types: ['vacancy'], random_seed: 454545 }, headers: { 'ouro-action-id': platformId } });
  expect(platform.status).toBe(202);
  const bob = await api.call('POST', GENERATE, { as: 'bob', body: { structure: { content: si }, defect_types: ['vacancy'] } });
  bobsOwn = bob.body.id;

  const all = [...alice, platformId, bobsOwn];
  await waitForAll(redis, prefix, all, { timeoutMs: 30_000, done: (s) => s?.status === 'success' });
  await waitForAll(redis, prefix, [alice[1]], { timeoutMs: 30_000, done: (s) => s?.webhookState === 'failed' });
  // (Not seed 424242: Bob reuses that body on purpose below.)
  markers = [...alice, platformId, aliceHook, 'alice-private-hook', '434343', '454545'];
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

function leaks(text: string): string[] {
  return markers.filter((m) => text.includes(m));
}

/** The answer with the id itself blanked, so "your id" and "an unknown id" can be compared. */
function shape(res: { status: number; raw: Buffer }, id: string): string {
  return `${res.status} ${res.raw.toString('utf8').split(id).join('<id>')}`;
}

describe("another client's actions", () => {
  it('the operator sees them (so the ids below are real)', async () => {
    for (const id of [...alice, platformId]) expect((await api.call('GET', `/actions/${id}`, { as: 'ops' })).status).toBe(200);
    expect((await api.call('GET', `/actions/${alice[0]}`, { as: 'alice' })).status).toBe(200);
  });

  it('cannot be read or downloaded: the same 404 as an id that does not exist', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const caller of ['bob', 'alice'] as Caller[]) {
      const theirs = caller === 'bob' ? [...alice, platformId] : [platformId, bobsOwn];
      for (const id of theirs) {
        for (const suffix of ['', '/archive.zip']) {
          const res = await api.call('GET', `/actions/${id}${suffix}`, { as: caller });
          const none = await api.call('GET', `/actions/${unknown}${suffix}`, { as: caller });
          expect(res.status, `${caller} GET ${id}${suffix}`).toBe(404);
          expect(shape(res, id)).toBe(shape(none, unknown));
        }
      }
    }
  });

  it('never appear in a listing, whatever the filter, page size or cursor', async () => {
    const seen: string[] = [];
    for (const status of ['', 'success', 'queued', 'error', 'in-progress']) {
      for (const limit of [1, 2, 100]) {
        let path: string | null = `/actions?limit=${limit}${status ? `&status=${status}` : ''}`;
        for (let page = 0; path && page < 20; page++) {
          const res = await api.call('GET', path, { as: 'bob' });
          expect(res.status).toBe(200);
          expect(leaks(res.raw.toString('utf8'))).toEqual([]);
          seen.push(...res.body.actions.map((a: { id: string }) => a.id));
          path = res.body.next_cursor ? `/actions?limit=${limit}${status ? `&status=${status}` : ''}&cursor=${encodeURIComponent(res.body.next_cursor)}` : null;
        }
      }
    }
    expect(seen).toContain(bobsOwn);
    // Alice's own cursor does not open her list to Bob.
    const alicePage = await api.call('GET', '/actions?limit=1', { as: 'alice' });
    expect(alicePage.body.next_cursor).toBeTruthy();
    const borrowed = await api.call('GET', `/actions?limit=1&cursor=${encodeURIComponent(alicePage.body.next_cursor)}`, { as: 'bob' });
    expect([200, 422]).toContain(borrowed.status);
    expect(leaks(borrowed.raw.toString('utf8'))).toEqual([]);
  });

  it("cannot be retried: the webhook retry endpoints are the operator's, and the failed list shows only one's own", async () => {
    for (const id of [alice[1], '00000000-0000-4000-8000-000000000000']) {
      for (const q of ['', '?force=true']) {
        const res = await api.call('POST', `/actions/${id}/webhook/retry${q}`, { as: 'bob' });
        expect(res.status).toBe(403);
        expect(leaks(res.raw.toString('utf8'))).toEqual([]);
      }
    }
    expect((await api.call('POST', '/webhooks/retry-failed', { as: 'bob' })).status).toBe(403);
    const failed = await api.call('GET', '/webhooks/failed', { as: 'bob' });
    expect([200, 403]).toContain(failed.status);
    expect(leaks(failed.raw.toString('utf8'))).toEqual([]);
    // Control: Alice's failed delivery is listed for her and for the operator.
    expect((await api.call('GET', '/webhooks/failed', { as: 'alice' })).raw.toString('utf8')).toContain(alice[1]);
    expect((await api.call('GET', '/webhooks/failed', { as: 'ops' })).raw.toString('utf8')).toContain(alice[1]);
  });

  it("cannot be claimed through Alice's Idempotency-Key or the platform's action id", async () => {
    const replay = await api.call('POST', GENERATE, { as: 'bob', body: { structure: { content: si }, defect_types: ['vacancy'], random_seed: 424242 }, headers: { 'idempotency-key': 'alice-key-424242' } });
    expect(replay.status).toBe(202);
    expect(replay.body.id).not.toBe(alice[0]);
    expect((await api.call('GET', `/actions/${replay.body.id}`, { as: 'bob' })).body.owner).toBe('bob');
    const takeover = await api.call('POST', GENERATE, { as: 'bob', body: { structure: { content: si } }, headers: { 'ouro-action-id': platformId } });
    expect(takeover.status).toBe(403);
    expect(leaks(takeover.raw.toString('utf8'))).toEqual([]);
  });

  it("fuzzed requests by Bob never return Alice's or the platform's data", { timeout: 60_000 }, async () => {
    const id = fc.oneof(
      fc.constantFrom(...alice, platformId),
      fc.constantFrom(...alice, platformId).map((x) => x.toUpperCase()),
      fc.constantFrom(...alice, platformId).map((x) => `${x}%20`),
      fc.constantFrom(...alice, platformId).map((x) => encodeURIComponent(`${x}/`)),
      fc.constantFrom(...alice, platformId).map((x) => `${x.slice(0, -1)}*`),
      fc.constantFrom(...alice, platformId).map((x) => `..%2F${x}`),
    );
    const request = fc.oneof(
      id.map((x) => ['GET', `/actions/${x}`] as const),
      id.map((x) => ['GET', `/actions/${x}/archive.zip`] as const),
      id.map((x) => ['POST', `/actions/${x}/webhook/retry?force=true`] as const),
      id.map((x) => ['GET', `/actions?cursor=${encodeURIComponent(x)}`] as const),
      fc.constantFrom(...['?status=success', '?limit=100', '?status=error&limit=1', '?owner=alice', '?owner=ouro&status=success']).map((q) => ['GET', `/actions${q}`] as const),
      fc.constantFrom(['GET', '/webhooks/failed'] as const, ['GET', '/webhooks/failed?limit=1000'] as const),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([method, path]) => {
        const res = await api.call(method, path, { as: 'bob' });
        expect(res.status).toBeLessThan(500);
        // An id Bob typed may come back in a "no route" message; the records' own data must not.
        const body = res.raw.toString('utf8');
        const echoed = markers.filter((m) => path.includes(m) || decodeURIComponent(path).includes(m));
        expect(leaks(body).filter((m) => !echoed.includes(m))).toEqual([]);
        if (res.status === 200 && res.body?.id) expect(res.body.owner).toBe('bob');
      }),
      { numRuns: 200 },
    );
  });
});
