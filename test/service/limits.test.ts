import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@defect-candidates/service/store/keys';
import { GENERATE_QUEUE } from '@defect-candidates/service/queues';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { structureFixture } from '../support/fixtures.ts';
import { jitteredIronGrid } from '../support/structures.ts';
import { type TestApi, type WorkerHandle, serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction } from '../support/service.ts';

// Per-key limits (issue 15): a request rate and a number of queued actions per API key, counted in
// Redis so that they hold across API processes; above them, 429 with Retry-After.
const GENERATE = '/generate-point-defect-candidates';
const inline = { structure: { content: structureFixture('CdTe.cif') }, defect_types: ['vacancy'] };

let redis: Redis;
let apis: TestApi[] = [];
let workers: WorkerHandle[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  redis = await testRedis();
});

afterEach(async () => {
  await stopWorkers(workers);
  workers = [];
  await Promise.all(apis.map((a) => a.close()));
  apis = [];
});

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis?.disconnect();
});

async function environment(name: string, limits: Record<string, string>): Promise<Record<string, string>> {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return serviceEnv({ prefix, redisUrl: await redisUrl(), extra: limits });
}

async function api(env: Record<string, string>): Promise<TestApi> {
  const started = await startTestApi(env, [batchesPlugin()]);
  apis.push(started);
  return started;
}

describe('request rate per API key', () => {
  it('429 with Retry-After and RateLimit headers past the limit, shared by every API process, per key', async () => {
    // A long window, so that the test's requests cannot straddle two.
    const env = await environment('limits-rate', { RATE_LIMIT_CLIENT: '5', RATE_LIMIT_PLATFORM: '0', RATE_LIMIT_WINDOW_SECONDS: '60' });
    const [one, two] = [await api(env), await api(env)];
    const remaining: string[] = [];
    // Three requests on each process: five pass, whichever process they reach.
    for (const target of [one, two, one, two, one]) {
      const res = await target.call('GET', '/actions');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-policy')).toBe('5;w=60');
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const refused = await two.call('POST', GENERATE, { body: inline });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    // Batches and their reads count against the same budget.
    const batch = await one.call('POST', '/batches', { body: { items: [inline] } });
    expect(batch.status).toBe(429);
    expect(batch.body.error.code).toBe('rate_limited');
    expect((await two.call('GET', '/batches/00000000-0000-4000-8000-000000000000')).status).toBe(429);
    // Nothing was created for the refused request.
    expect(await redis.zcard(keys(env.KEY_PREFIX).indexAll)).toBe(0);
    // Another client key has its own budget; operators and the platform are on the generous tier (here unlimited).
    expect((await one.call('GET', '/actions', { as: 'bob' })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await one.call('GET', '/actions', { as: 'ops' })).status).toBe(200);
    expect((await one.call('GET', '/actions', { as: 'ouro' })).status).toBe(200);
    // Probes stay outside any limit.
    expect((await one.call('GET', '/healthz', { as: 'nobody' })).status).toBe(200);
  });
});

describe('queued actions per API key', () => {
  it('429 too_many_queued past the limit, on both queues together; room again once jobs start', { timeout: 150_000 }, async () => {
    const env = await environment('limits-queued', { QUEUED_LIMIT_CLIENT: '3' });
    const first = await api(env);
    const second = await api(env);
    const ids: string[] = [];
    for (const target of [first, second]) ids.push((await target.call('POST', GENERATE, { body: { ...inline, random_seed: ids.length } })).body.id);
    // The third goes to generate-heavy (a 343-atom P1 cell with interstitials, estimated at 1.8 s): still counted.
    const heavy = await first.call('POST', GENERATE, { body: { structure: { content: jitteredIronGrid(7), format: 'poscar' }, supercell: [1], defect_types: ['vacancy', 'interstitial'] } });
    expect(heavy.status).toBe(202);
    expect((await first.call('GET', `/actions/${heavy.body.id}`)).body.queue).toBe('generate-heavy');
    ids.push(heavy.body.id);

    const refused = await second.call('POST', GENERATE, { body: { ...inline, random_seed: 99 } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_queued');
    expect(refused.body.error.message).toMatch(/3 actions .* queued .* limit is 3/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await redis.zcard(keys(env.KEY_PREFIX).indexAll)).toBe(3);
    // Bob's line is his own.
    expect((await first.call('POST', GENERATE, { as: 'bob', body: inline })).status).toBe(202);

    // Once Alice's jobs have started, she may queue again.
    workers.push(await spawnWorker(env));
    for (const id of ids) await waitForAction(first, id, { timeoutMs: 100_000 });
    expect((await second.call('POST', GENERATE, { body: { ...inline, random_seed: 100 } })).status).toBe(202);
  });
});

describe('queued actions per API key, in batches', () => {
  it("a batch's valid items count one each; a batch that would pass the limit is refused whole, nothing queued", async () => {
    const env = await environment('limits-batch', { QUEUED_LIMIT_CLIENT: '4' });
    const target = await api(env);
    const k = keys(env.KEY_PREFIX);
    expect((await target.call('POST', GENERATE, { body: inline })).status).toBe(202);
    const items = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ ...inline, random_seed: from + i }));

    // 1 queued + 4 would be 5: refused, and neither the batch, its actions nor their jobs exist.
    const over = await target.call('POST', '/batches', { body: { items: [...items(4, 0), { structure: { content: 'not a structure' } }] } });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('too_many_queued');
    expect(over.body.error.message).toMatch(/1 actions .* queued and this batch adds 4 .* limit is 4/);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await redis.zcard(k.indexAll)).toBe(1);
    expect(await target.ctx.queue.count()).toBe(1);
    expect(await redis.zcard(k.fairQueued(GENERATE_QUEUE, 'alice'))).toBe(1);

    // 1 + 3 is the limit: accepted, the invalid item not counted; then even one more is refused.
    const fits = await target.call('POST', '/batches', { body: { items: [...items(3, 10), { structure: { content: 'not a structure' } }] } });
    expect(fits.status, JSON.stringify(fits.body)).toBe(202);
    expect(fits.body.actions).toHaveLength(3);
    expect(await redis.zcard(k.fairQueued(GENERATE_QUEUE, 'alice'))).toBe(4);
    expect((await target.call('POST', GENERATE, { body: { ...inline, random_seed: 99 } })).status).toBe(429);
    expect((await target.call('POST', '/batches', { body: { items: items(1, 20) } })).status).toBe(429);
    // Bob's line is his own.
    expect((await target.call('POST', '/batches', { as: 'bob', body: { items: items(4, 30) } })).status).toBe(202);
  });
});

describe('result pages per client address', () => {
  it('429 past RATE_LIMIT_VIEW requests from one address to /view/*, shared by every API process; assets and API keys apart', async () => {
    // The test talks to the API as a proxy on loopback would.
    const env = await environment('limits-view', { RATE_LIMIT_VIEW: '3', RATE_LIMIT_WINDOW_SECONDS: '60', VIEW_LINK_SECRET: 'view-link-key-for-the-limits-test-0123456789', TRUST_PROXY: 'loopback' });
    const [one, two] = [await api(env), await api(env)];
    const id = (await one.call('POST', GENERATE, { body: inline })).body.id as string;
    const view = (await one.call('GET', `/actions/${id}`)).body.links.view as string;
    const data = view.replace(`/view/${id}?`, `/view/${id}/data?`);
    const get = (target: TestApi, path: string, headers: Record<string, string> = {}) => fetch(`${target.url}${path}`, { headers });

    const remaining: string[] = [];
    for (const [target, path] of [[one, view], [two, data], [one, data]] as const) {
      const res = await get(target, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    for (const path of [view, data, view.replace(`/view/${id}?`, `/view/${id}/archive.zip?`)]) {
      const refused = await get(two, path);
      expect(refused.status, path).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another address has its own budget (the API trusts the loopback proxy's X-Forwarded-For).
    expect((await get(one, view, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(200);
    // The page's static assets and the API-key routes are outside this limit.
    expect((await get(one, '/viewer/page.js')).status).toBe(200);
    expect((await one.call('GET', `/actions/${id}`)).status).toBe(200);
  });

  it('believes X-Forwarded-For only from the proxies TRUST_PROXY names: by default a client cannot pick its address', async () => {
    const base = { RATE_LIMIT_VIEW: '2', RATE_LIMIT_WINDOW_SECONDS: '60', VIEW_LINK_SECRET: 'view-link-key-for-the-limits-test-0123456789' };
    const get = (target: TestApi, path: string, forwardedFor: string) => fetch(`${target.url}${path}`, { headers: { 'x-forwarded-for': forwardedFor } });
    const loggedIps = (target: TestApi) => target.logs.filter((l) => l.msg === 'request completed' && String((l.req as { url?: string })?.url ?? '').startsWith('/view/')).map((l) => l.ip);

    // Default: every request comes from the connection's address, whatever the header says.
    const closed = await api(await environment('trust-default', base));
    const id = (await closed.call('POST', GENERATE, { body: inline })).body.id as string;
    const view = (await closed.call('GET', `/actions/${id}`)).body.links.view as string;
    const statuses = [];
    for (const forwardedFor of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) statuses.push((await get(closed, view, forwardedFor)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(new Set(loggedIps(closed))).toEqual(new Set(['127.0.0.1']));
    // The links do not follow the forwarded headers either.
    const spoofed = await fetch(`${closed.url}/actions/${id}`, { headers: { authorization: 'Bearer alice-secret-0001', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    expect(((await spoofed.json()) as { links: { self: string } }).links.self).toBe(`/actions/${id}`);

    // One proxy hop trusted: the address it reports is the client's, each with its own budget.
    const hop = await api(await environment('trust-hop', { ...base, TRUST_PROXY: '1' }));
    const id2 = (await hop.call('POST', GENERATE, { body: inline })).body.id as string;
    const view2 = (await hop.call('GET', `/actions/${id2}`)).body.links.view as string;
    const perClient = [];
    for (const forwardedFor of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.1', '203.0.113.1']) perClient.push((await get(hop, view2, forwardedFor)).status);
    expect(perClient).toEqual([200, 200, 200, 200, 429]);
    // Only the last hop counts: what the client itself wrote before the proxy's entry is ignored.
    expect((await get(hop, view2, '198.51.100.9, 203.0.113.4')).status).toBe(200);
    expect(loggedIps(hop)).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.1', '203.0.113.1', '203.0.113.4']);
  });
});
