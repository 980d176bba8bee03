import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { submitMany, tally, waitForAll, waitUntil } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// The client's webhook receiver goes down in the middle of a run and comes back on the same port.
// Deliveries that failed meanwhile are retried on the schedule: every result arrives, and an
// action's deliveries all carry one webhook-id (a receiver can drop repeats by it).

const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const si = structureFixture('Si.vasp');

let prefix: string;
let redis: Redis;
let api: TestApi;
let receiver: WebhookReceiver;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('faults-receiver');
  redis = await testRedis();
  receiver = await new WebhookReceiver().start();
  // Ten attempts over about 8 s: long enough to outlast the outage below, short enough for a test.
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { WEBHOOK_RETRY_DELAYS_MS: '0,250,500,750,1000,1000,1000,1000,1000,1000', WEBHOOK_TIMEOUT_MS: '2000' } });
  api = await startTestApi(env);
  workers.push(await spawnWorker(env));
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await receiver?.stop();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

describe('a webhook receiver that goes down and comes back', () => {
  it('gets every result eventually, each action under a single webhook-id', { timeout: 90_000 }, async () => {
    const body = (i: number) => ({ structure: { content: si, format: 'poscar' }, supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'], random_seed: i, webhook_url: `${receiver.url}/hook` });
    const worker = workers[0];
    const failedAttempts = () => worker.logs.filter((l) => l.msg === 'webhook attempt failed; will retry').length;

    const first = await submitMany(api, 20, body, { concurrency: 4 });
    await waitUntil(() => receiver.received.length >= 5, 20_000, 'the first deliveries');
    await receiver.stop();
    const downAt = Date.now();
    // Results keep coming while the receiver is away.
    const second = await submitMany(api, 40, (i) => body(20 + i), { concurrency: 4 });
    await waitUntil(() => failedAttempts() >= 10, 20_000, 'deliveries failing against the absent receiver');
    await new Promise((r) => setTimeout(r, 1_000));
    await receiver.start();
    const downMs = Date.now() - downAt;

    const ids = [...first, ...second];
    const statuses = await waitForAll(redis, prefix, ids, { timeoutMs: 30_000, done: (s) => s?.webhookState === 'delivered' });
    expect(tally(statuses, ids)).toEqual({ success: ids.length });
    expect(tally(statuses, ids, (s) => s?.webhookState ?? 'none')).toEqual({ delivered: ids.length });

    const byAction = receiver.byAction();
    expect(ids.filter((id) => !byAction.has(id))).toEqual([]);
    const withSeveralIds = ids.filter((id) => new Set(byAction.get(id)!.map((r) => r.webhookId)).size !== 1);
    expect(withSeveralIds).toEqual([]);
    const all = ids.flatMap((id) => byAction.get(id)!);
    expect(all.every((r) => typeof r.webhookId === 'string' && r.webhookId.length > 0)).toBe(true);
    expect(all.filter((r) => !WebhookReceiver.signatureValid(r, ALICE_WHSEC))).toEqual([]);
    // The outage was real: some deliveries needed more than one attempt.
    const retried = ids.filter((id) => (statuses.get(id)?.webhookAttempts ?? 0) > 1);
    expect(retried.length).toBeGreaterThan(0);

    console.log(
      `receiver down for ${downMs} ms: ${failedAttempts()} failed attempts, ${retried.length} of ${ids.length} deliveries needed retries, ` +
        `${all.length - ids.length} repeated deliveries (same webhook-id)`,
    );
  });
});
