import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, redisUrl, uniquePrefix } from '../../../../test/support/redis.ts';
import { createRedis, type RedisClient } from '../redis.ts';
import { ActionStore, type Action, type NewAction } from './actions.ts';
import { IdempotencyStore, fingerprint } from './idempotency.ts';
import { readJobStats } from './stats.ts';

let redis: RedisClient;
let prefix: string;
let store: ActionStore;
let n = 0;
const newAction = (owner = 'alice', extra: Partial<NewAction> = {}): NewAction => ({
  id: `a${++n}-${Date.now()}`,
  owner,
  parameters: { max_candidates: 24, defect_types: [] },
  input: { kind: 'inline' },
  ...extra,
});

beforeAll(async () => {
  prefix = uniquePrefix('store');
  redis = createRedis({ redisUrl: await redisUrl(), redisTimeoutMs: 2000 }, 'worker', 'store-test');
  store = new ActionStore(redis, { prefix, ttlSeconds: 3600 });
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('ActionStore', () => {
  it('creates once per id, keeps the input (a long one compressed) and the record for the TTL', async () => {
    const init = newAction();
    const first = await store.create(init, 'data_CdTe\n_cell_length_a 6.5\n');
    expect(first.created).toBe(true);
    expect(first.action).toMatchObject({ id: init.id, owner: 'alice', status: 'queued', started_at: null, progress: { stage: 'queued', percent: 0 }, runs: 0 });
    const again = await store.create({ ...init, parameters: { other: true } });
    expect(again.created).toBe(false);
    expect(again.action.parameters).toEqual({ max_candidates: 24, defect_types: [] });
    expect(await store.getInput(init.id)).toBe('data_CdTe\n_cell_length_a 6.5\n');
    const ttl = await redis.ttl(`${prefix}:action:${init.id}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    // A long structure is stored gzip-compressed, a short one as it is; both read back the same.
    const long = `data_big\n${'_cell_length_a 6.5\n'.repeat(200)}`;
    const [big, small] = await store.createMany([{ init: newAction(), inputContent: long }, { init: newAction(), inputContent: 'Si\n1.0\n' }]);
    expect([big.created, small.created]).toEqual([true, true]);
    expect((await redis.hstrlen(`${prefix}:action:${big.action.id}`, 'input')) * 10).toBeLessThan(long.length);
    expect(await redis.hget(`${prefix}:action:${small.action.id}`, 'input')).toBe('Si\n1.0\n');
    expect(await store.getInput(big.action.id)).toBe(long);
    expect(await store.getInput(small.action.id)).toBe('Si\n1.0\n');
  });

  it('a replay of an ended action (the platform resending its call) leaves it unwatched, unlike one still running', async () => {
    const active = `${prefix}:actions:active`;
    const running = newAction();
    const ended = newAction();
    await store.create(running);
    await store.create(ended);
    await store.markStarted(ended.id);
    expect(await store.complete(ended.id, { ok: true })).toBe(true);
    await store.unwatch([ended.id]);
    await store.create(running);
    await store.create(ended);
    const [batchReplay] = await store.createMany([{ init: ended }]);
    expect(batchReplay.created).toBe(false);
    expect(await redis.zscore(active, running.id)).not.toBeNull();
    expect(await redis.zscore(active, ended.id)).toBeNull();
  });

  it('an action ends once, however many finish it at the same time; listeners hear it once', async () => {
    const { action } = await store.create(newAction());
    const heard: Action[] = [];
    const off = store.onActionFinished((a) => {
      heard.push(a);
    });
    await store.markStarted(action.id);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => store.complete(action.id, { candidates: [{ name: 'v_Cd' }] })),
      ...Array.from({ length: 5 }, () => store.fail(action.id, { code: 'internal', type: 'InternalError', message: 'x', retryable: true })),
    ]);
    off();
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.completionCount(action.id)).toBe(1);
    expect(heard).toHaveLength(1);
    const final = await store.get(action.id);
    expect(final?.status).toBe(heard[0].status);
    expect(final?.finished_at).not.toBeNull();
    // Progress and restarts after the end change nothing.
    await store.setProgress(action.id, 'vacancies', 30);
    const restarted = await store.markStarted(action.id);
    expect(restarted?.started).toBe(false);
    expect((await store.get(action.id))?.status).toBe(final?.status);
  });

  it('stores the answer compressed and gives it back', async () => {
    const { action } = await store.create(newAction());
    await store.markStarted(action.id);
    const answer = { host: { formula: 'CdTe' }, candidates: Array.from({ length: 50 }, (_, i) => ({ name: `v_${i}`, structures: { poscar: 'Cd Te\n'.repeat(200) } })) };
    expect(await store.complete(action.id, answer)).toBe(true);
    expect(await store.getResponse(action.id)).toEqual(answer);
    const stored = await store.getResponseGzip(action.id);
    expect(stored!.length).toBeLessThan(JSON.stringify(answer).length / 10);
  });

  it('counts runs, hands an action back to the queue, and records outcomes for metrics', async () => {
    const { action } = await store.create(newAction());
    expect((await store.markStarted(action.id))?.action.runs).toBe(1);
    expect(await store.requeue(action.id)).toBe(true);
    expect((await store.get(action.id))?.status).toBe('queued');
    const second = await store.markStarted(action.id);
    expect(second?.action).toMatchObject({ status: 'in-progress', runs: 2 });
    await store.setProgress(action.id, 'symmetry', 5.4);
    expect((await store.get(action.id))?.progress).toEqual({ stage: 'symmetry', percent: 5 });
    await store.fail(action.id, { code: 'download_failed', type: 'DownloadError', message: 'HTTP 404', retryable: false });
    const stats = await readJobStats(redis, prefix);
    expect(stats.outcomes.find((o) => o.status === 'error' && o.code === 'download_failed')?.count).toBe(1);
    expect(stats.durations.count).toBeGreaterThanOrEqual(1);
    expect(stats.durations.buckets.at(-1)?.count).toBe(stats.durations.count);
  });

  it('lists newest first per owner, with a cursor, skipping and pruning expired records', async () => {
    const owner = `lister${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const created_at = new Date(Date.now() - (7 - i) * 1000).toISOString();
      ids.push((await store.create(newAction(owner, { created_at }))).action.id);
    }
    await redis.del(`${prefix}:action:${ids[3]}`); // as if it had expired
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await store.list(owner, { limit: 3, cursor });
      pages.push(page.actions.map((a) => a.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages.flat()).toEqual([ids[6], ids[5], ids[4], ids[2], ids[1], ids[0]]);
    expect(pages[0]).toHaveLength(3);
    expect(await redis.zcard(`${prefix}:actions:index:owner:${owner}`)).toBe(6);
    await store.markStarted(ids[5]);
    expect((await store.list(owner, { status: 'in-progress' })).actions.map((a) => a.id)).toEqual([ids[5]]);
    expect((await store.list(null, { limit: 100 })).actions.map((a) => a.id)).toEqual(expect.arrayContaining(ids.filter((_, i) => i !== 3)));
  });
});

describe('IdempotencyStore', () => {
  it('claims a key once; the same body replays, another body mismatches; keys are per owner', async () => {
    const idem = new IdempotencyStore(redis, { prefix, ttlSeconds: 60 });
    const body = { structure: { content: 'x' }, max_candidates: 5 };
    expect(fingerprint(body)).toBe(fingerprint({ max_candidates: 5, structure: { content: 'x' } }));
    expect(await idem.claim('alice', 'k1', fingerprint(body), 'id-1')).toEqual({ kind: 'new', actionId: 'id-1' });
    expect(await idem.claim('alice', 'k1', fingerprint(body), 'id-2')).toEqual({ kind: 'replay', actionId: 'id-1' });
    expect(await idem.claim('alice', 'k1', fingerprint({ ...body, max_candidates: 6 }), 'id-3')).toEqual({ kind: 'mismatch', actionId: 'id-1' });
    expect(await idem.claim('bob', 'k1', fingerprint(body), 'id-4')).toEqual({ kind: 'new', actionId: 'id-4' });
    const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => idem.claim('carol', 'k2', 'fp', `c-${i}`)));
    expect(concurrent.filter((c) => c.kind === 'new')).toHaveLength(1);
    expect(new Set(concurrent.map((c) => c.actionId)).size).toBe(1);
  });
});
