import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@defect-candidates/service/config';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { keys } from '@defect-candidates/service/store/keys';
import { checkBatchCountsFollowStatuses } from '../support/batch-counts.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { uniquePrefix } from '../support/redis.ts';

// A batch's counts by status change in the same script as its actions' statuses (issue 15 review):
// on a Redis Cluster that script runs only if the action's hash and the batch's hash share a slot,
// which the batch id's hash tag in both key names gives.

let cluster: PrivateCluster;
let redis: RedisClient;

beforeAll(async () => {
  cluster = await startPrivateCluster({ masters: 3 });
  redis = createRedis(loadConfig({ REDIS_CLUSTER_NODES: cluster.seeds, REDIS_TIMEOUT_MS: '2000' }), 'worker', 'batch-counts-cluster');
}, 90_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.destroy();
});

describe('batch counts on a Redis Cluster', () => {
  it("a batch item's hash and its batch's share a slot, while other actions spread over the masters", async () => {
    const k = keys('dc');
    const batch = '3f1c2b9e-1111-4222-8333-444455556666';
    const slot = async (key: string) => Number(await cluster.cli(cluster.nodes[0].port, 'cluster', 'keyslot', key));
    const batchSlot = await slot(k.batch(batch));
    for (const index of [0, 7, 999]) expect(await slot(k.action(`${batch}.${index}`))).toBe(batchSlot);
    const singles = await Promise.all(Array.from({ length: 20 }, (_, i) => slot(k.action(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`))));
    expect(new Set(singles).size).toBeGreaterThan(10);
  });

  it('keeps the counts equal to the statuses through every change', { timeout: 120_000 }, async () => {
    await checkBatchCountsFollowStatuses(redis, uniquePrefix('cluster-counts'), 10);
  });
});
