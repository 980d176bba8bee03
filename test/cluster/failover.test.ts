import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@defect-candidates/service/config';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { GENERATION_QUEUES, queuePrefix } from '@defect-candidates/service/queues';
import { keys } from '@defect-candidates/service/store/keys';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { isFinished, readStatuses, submitMany, tally, waitForAll } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';

// The service on a Redis Cluster of its own (3 masters, 3 replicas): 200 actions with two worker
// processes, a batch of 100 and then 100 single requests, and the master holding the queues is
// SIGKILLed half-way, so that its replica takes over. Every action must end once, with its
// webhook, and the batch must send batch.completed once. Every submission goes through the fair
// share (its admission script reads both of the key's lines, under a queued-job limit) and every
// job started leaves its line.

const HALF = 100;
const si = structureFixture('Si.vasp');

let cluster: PrivateCluster;
let prefix: string;
let env: Record<string, string>;
let redis: RedisClient;
let api: TestApi;
let receiver: WebhookReceiver;
let files: TestHttpServer;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  cluster = await startPrivateCluster({ masters: 3 });
  prefix = uniquePrefix('cluster');
  receiver = await new WebhookReceiver().start();
  // Some structures come from a slow host, so that workers are surely mid-job when the master goes.
  files = await startHttpServer({ '/slow.vasp': respondWith(si, { delayMs: 300 }) });
  env = serviceEnv({
    prefix,
    // Not used: REDIS_CLUSTER_NODES wins. A closed port, so that a mistake shows.
    redisUrl: 'redis://127.0.0.1:1',
    extra: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_TIMEOUT_MS: '1000', WEBHOOK_RETRY_DELAYS_MS: '0,300,600,1000,1000,1000,2000,2000', QUEUED_LIMIT_CLIENT: '1000' },
  });
  redis = createRedis(loadConfig(env), 'worker', 'cluster-test');
  api = await startTestApi(env, [webhooksPlugin(), batchesPlugin()]);
}, 90_000);

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await receiver?.stop();
  await files?.close();
  if (redis) {
    await deletePrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
  }
  await cluster?.destroy();
});

describe('on a Redis Cluster, a master lost mid-run', () => {
  it('fails over to its replica and every action ends once, with its webhook', { timeout: 180_000 }, async () => {
    workers.push(...(await Promise.all([spawnWorker(env), spawnWorker(env)])));
    const queueKey = `${queuePrefix(loadConfig(env))}:generate:meta`;
    const shared = { supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'] };
    const structure = (i: number) => (i % 4 === 1 ? { file: { url: `${files.url}/slow.vasp`, filename: 'Si.vasp' } } : { structure: { content: si, format: 'poscar' } });
    const hook = `${receiver.url}/hook`;

    // First half: one batch (its keys share a hash tag of their own, its actions spread over the masters).
    const batch = await api.call('POST', '/batches', { body: { webhook_url: hook, defaults: shared, items: Array.from({ length: HALF }, (_, i) => ({ ...structure(i), random_seed: i })) } });
    expect(batch.status).toBe(202);
    const batchId = batch.body.id as string;
    const ids: string[] = batch.body.actions.map((a: { id: string }) => a.id);
    expect(ids).toHaveLength(HALF);
    const running = () => workers.flatMap((w) => w.logs.filter((l) => l.msg === 'generation started')).length;
    const ended = async () => [...(await readStatuses(redis, prefix, ids)).values()].filter(isFinished).length;
    while (running() === 0) await new Promise((r) => setTimeout(r, 20));

    // The master serving the queues' slot: the harshest choice, every queue operation waits for the failover.
    const victim = await cluster.masterOf(queueKey);
    const endedBeforeKill = await ended();
    await cluster.kill(victim);
    // The second half, single requests, goes in while the cluster fails over: the API answers
    // 503 until it can write again, and the client retries.
    const second = submitMany(api, HALF, (i) => ({ ...structure(HALF + i), ...shared, random_seed: HALF + i, webhook_url: hook }), { concurrency: 16, retries: 200 });
    const promoted = await cluster.waitForFailover(victim, queueKey);
    ids.push(...(await second));

    const statuses = await waitForAll(redis, prefix, ids, { timeoutMs: 120_000, done: isFinished });
    expect(endedBeforeKill).toBeLessThan(HALF);
    expect(promoted).not.toBe(victim);
    expect(tally(statuses, ids)).toEqual({ success: 2 * HALF });
    expect(tally(statuses, ids, (s) => String(s?.completions))).toEqual({ '1': 2 * HALF });
    const successLines = new Map<string, number>();
    for (const w of workers) for (const l of w.logs) if (l.msg === 'generation succeeded') successLines.set(String(l.action_id), (successLines.get(String(l.action_id)) ?? 0) + 1);
    expect([...successLines.values()].filter((n) => n > 1)).toEqual([]);

    const delivered = await waitForAll(redis, prefix, ids, { timeoutMs: 60_000, done: (s) => s?.webhookState === 'delivered' });
    expect(tally(delivered, ids, (s) => s?.webhookState ?? 'none')).toEqual({ delivered: 2 * HALF });
    const deadline = Date.now() + 30_000;
    while (!receiver.byAction().has(batchId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const byAction = receiver.byAction();
    expect(ids.filter((id) => !byAction.has(id))).toEqual([]);
    // Deliveries repeated after the failover carry the same webhook-id: one message per action,
    // and one batch.completed.
    expect(ids.filter((id) => new Set(byAction.get(id)!.map((r) => r.webhookId)).size !== 1)).toEqual([]);
    expect(byAction.get(batchId)?.map((r) => r.type)).toContain('batch.completed');
    expect(new Set(byAction.get(batchId)!.map((r) => r.webhookId)).size).toBe(1);
    const view = await api.call('GET', `/batches/${batchId}`);
    expect(view.body).toMatchObject({ status: 'completed', counts: { success: HALF, error: 0, queued: 0, 'in-progress': 0 } });

    // The fair share ran on the cluster: the single requests were admitted with a place in line,
    // and no accepted action is left in its key's lines (each left as it started). Entries of
    // submissions refused with 503 during the failover may remain, to be dropped when they reach
    // the front. A submission answered 503 after its record was kept is admitted by its retry,
    // which finds that action ('repeated submission, same action').
    const admitted = api.logs.filter((l) => l.msg === 'action accepted');
    const retried = api.logs.filter((l) => l.msg === 'repeated submission, same action');
    expect(new Set([...admitted, ...retried].map((l) => l.action_id)).size).toBeGreaterThanOrEqual(HALF);
    expect(admitted.filter((l) => typeof l.priority !== 'number')).toEqual([]);
    const lines = await Promise.all(GENERATION_QUEUES.map((q) => redis.zrange(keys(prefix).fairQueued(q, 'alice'), 0, -1)));
    expect(lines.flat().filter((id) => ids.includes(id))).toEqual([]);

    const rerun = ids.filter((id) => (statuses.get(id)?.runs ?? 0) >= 2).length;
    console.log(
      `cluster: master ${victim} killed with ${endedBeforeKill} of ${HALF} batch actions ended, replica ${promoted} took over; ${rerun} actions re-run; ` +
        `${receiver.received.length - 2 * HALF - 1} repeated webhook deliveries (same webhook-id)`,
    );
  });
});
