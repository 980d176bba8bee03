import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@defect-candidates/service/config';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { queuePrefix } from '@defect-candidates/service/queues';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { isFinished, readStatuses, submitMany, tally, waitForAll } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';

// The service on a Redis Cluster of its own (3 masters, 3 replicas): 200 actions with two worker
// processes, and the master holding the queues is SIGKILLed half-way, so that its replica takes
// over. Every action must end once, with its webhook.

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
    extra: { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_TIMEOUT_MS: '1000', WEBHOOK_RETRY_DELAYS_MS: '0,300,600,1000,1000,1000,2000,2000' },
  });
  redis = createRedis(loadConfig(env), 'worker', 'cluster-test');
  api = await startTestApi(env, [webhooksPlugin()]);
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
    const body = (i: number) => ({
      ...(i % 4 === 1 ? { file: { url: `${files.url}/slow.vasp`, filename: 'Si.vasp' } } : { structure: { content: si, format: 'poscar' } }),
      supercell: [2],
      defect_types: ['vacancy'],
      output_formats: ['poscar'],
      random_seed: i,
      webhook_url: `${receiver.url}/hook`,
    });

    const ids = await submitMany(api, HALF, body, { concurrency: 16 });
    const running = () => workers.flatMap((w) => w.logs.filter((l) => l.msg === 'generation started')).length;
    const ended = async () => [...(await readStatuses(redis, prefix, ids)).values()].filter(isFinished).length;
    while (running() === 0) await new Promise((r) => setTimeout(r, 20));

    // The master serving the queues' slot: the harshest choice, every queue operation waits for the failover.
    const victim = await cluster.masterOf(queueKey);
    const endedBeforeKill = await ended();
    await cluster.kill(victim);
    // The second half goes in while the cluster fails over: the API answers 503 until it can
    // write again, and the client retries.
    const second = submitMany(api, HALF, (i) => body(HALF + i), { concurrency: 16, retries: 200 });
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
    const byAction = receiver.byAction();
    expect(ids.filter((id) => !byAction.has(id))).toEqual([]);
    // Deliveries repeated after the failover carry the same webhook-id: one message per action.
    expect(ids.filter((id) => new Set(byAction.get(id)!.map((r) => r.webhookId)).size !== 1)).toEqual([]);

    const rerun = ids.filter((id) => (statuses.get(id)?.runs ?? 0) >= 2).length;
    console.log(
      `cluster: master ${victim} killed with ${endedBeforeKill} of ${HALF} actions ended, replica ${promoted} took over; ${rerun} actions re-run; ` +
        `${receiver.received.length - 2 * HALF} repeated webhook deliveries (same webhook-id)`,
    );
  });
});
