import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, redisUrl, uniquePrefix } from '../../../../test/support/redis.ts';
import { createRedis, type RedisClient } from '../redis.ts';
import { BatchStore, type BatchMeta } from './batches.ts';
import { checkBatchCountsFollowStatuses } from '../../../../test/support/batch-counts.ts';

let redis: RedisClient;
let prefix: string;
let batches: BatchStore;
let n = 0;

const meta = (total: number, extra: Partial<BatchMeta> = {}): BatchMeta => ({
  id: `b${++n}-${Date.now()}`,
  owner: 'alice',
  created_at: new Date().toISOString(),
  items: total,
  total,
  invalid: [],
  action_webhooks: true,
  ...extra,
});

beforeAll(async () => {
  prefix = uniquePrefix('batch-store');
  redis = createRedis({ redisUrl: await redisUrl(), redisTimeoutMs: 2000 }, 'worker', 'batch-store-test');
  batches = new BatchStore(redis, { prefix, ttlSeconds: 3600 });
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('BatchStore', () => {
  it('creates a batch once, keeping its members in item order, all its keys expiring with it', async () => {
    const m = meta(1200);
    const members = Array.from({ length: 1200 }, (_, i) => ({ index: 2 * i, id: `${m.id}.${2 * i}` }));
    expect(await batches.create(m, members)).toBe(true);
    expect(await batches.create({ ...m, owner: 'mallory' }, members.slice(0, 1))).toBe(false);
    expect((await batches.get(m.id))?.owner).toBe('alice');
    expect(await batches.members(m.id)).toEqual(members);
    expect(await batches.members(m.id, 1198, 5)).toEqual(members.slice(1198));
    await batches.recordEnd(m.id, members[0].id);
    for (const key of [batches.keys.batch(m.id), batches.keys.batchMembers(m.id), batches.keys.batchEnded(m.id)]) {
      const ttl = await redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(3500);
      expect(ttl, key).toBeLessThanOrEqual(3600);
    }
  });

  it('counts each action\'s end once, however often it is reported, and completes the batch with the last', async () => {
    const m = meta(3);
    await batches.create(m, [0, 1, 2].map((index) => ({ index, id: `${m.id}.${index}` })));
    expect(await batches.recordEnd(m.id, `${m.id}.0`)).toBe(2);
    expect(await batches.recordEnd(m.id, `${m.id}.0`)).toBe(2);
    expect(await batches.recordEnd(m.id, `${m.id}.1`)).toBe(1);
    expect((await batches.get(m.id))?.completed_at).toBeNull();
    const reports = await Promise.all(Array.from({ length: 10 }, () => batches.recordEnd(m.id, `${m.id}.2`, new Date('2030-01-01T00:00:00Z'))));
    expect(reports).toEqual(Array(10).fill(0));
    const done = await batches.get(m.id);
    expect(done).toMatchObject({ ended: 3, completed_at: '2030-01-01T00:00:00.000Z' });
    // A later report keeps the first completion time.
    expect(await batches.recordEnd(m.id, `${m.id}.1`, new Date('2031-01-01T00:00:00Z'))).toBe(0);
    expect((await batches.get(m.id))?.completed_at).toBe('2030-01-01T00:00:00.000Z');
    expect(await batches.recordEnd('no-such-batch', 'x')).toBeNull();
  });

  it('creates the webhook state once, and writes it only while the batch exists', async () => {
    const m = meta(1);
    await batches.create(m, [{ index: 0, id: `${m.id}.0` }]);
    const state = { state: 'pending' as const, kind: 'direct' as const, message_id: 'msg_1', attempts: [] };
    expect(await batches.beginWebhook(m.id, state)).toBe('created');
    expect(await batches.beginWebhook(m.id, { ...state, message_id: 'msg_2' })).toBe('exists');
    expect((await batches.getWebhook(m.id))?.message_id).toBe('msg_1');
    expect(await batches.setWebhook(m.id, { ...state, state: 'delivered' })).toBe(true);
    expect((await batches.get(m.id))?.webhook?.state).toBe('delivered');
    expect(await batches.beginWebhook('gone', state)).toBe('missing');
    expect(await batches.setWebhook('gone', state)).toBe(false);
    expect(await redis.exists(batches.keys.batch('gone'))).toBe(0);
  });

  it('counts members by status from their action records, leaving out expired ones', async () => {
    const ids = ['q', 'r', 's', 'gone'].map((s) => `${prefix}-${s}`);
    await redis.hset(batches.keys.action(ids[0]), 'status', 'queued');
    await redis.hset(batches.keys.action(ids[1]), 'status', 'success');
    await redis.hset(batches.keys.action(ids[2]), 'status', 'success');
    const statuses = await batches.statuses(ids.map((id, index) => ({ index, id })));
    expect(statuses).toEqual(['queued', 'success', 'success', null]);
    expect(BatchStore.count(statuses)).toEqual({ queued: 1, 'in-progress': 0, success: 2, error: 0 });
  });

  it("keeps each batch's counts by status equal to its actions' statuses through every change (start, progress, requeue, success, error, races)", { timeout: 60_000 }, async () => {
    await checkBatchCountsFollowStatuses(redis, prefix);
  });
});
