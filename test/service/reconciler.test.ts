import { generate } from '@defect-candidates/core';
import { loadConfig } from '@defect-candidates/service/config';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { GENERATE_QUEUE, HEAVY_QUEUE, createGenerateQueue, generateJobId, type GenerateQueue } from '@defect-candidates/service/queues';
import { Reconciler, type ReconcileReport } from '@defect-candidates/service/reconcile/reconciler';
import { FairShare } from '@defect-candidates/service/scheduling/fair-share';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { BatchStore } from '@defect-candidates/service/store/batches';
import { createDeliveryQueue, deliveryJobId, type DeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { registerWebhookDelivery } from '@defect-candidates/service/webhooks/hook';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlugins } from '../../apps/worker/src/plugins.ts';
import { startWorkerProcess, type WorkerProcess } from '../../apps/worker/src/process.ts';
import { structureFixture } from '../support/fixtures.ts';
import { RedisCutProxy } from '../support/redis-proxy.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, startTestApi, waitForAction, type TestApi } from '../support/service.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// The reconciler against real Redis, a real API, an in-process worker and a real HTTP receiver:
// jobs and delivery jobs are taken away behind the service's back, and every action must still
// end, visibly, with its webhook delivered.

const GENERATE = '/generate-point-defect-candidates';
const GRACE_MS = 60_000;
const si = structureFixture('Si.vasp');

let prefix: string;
let env: Record<string, string>;
let redis: Redis;
let api: TestApi;
let receiver: WebhookReceiver;
let worker: WorkerProcess | null = null;
let queues: Record<typeof GENERATE_QUEUE | typeof HEAVY_QUEUE, GenerateQueue>;
let deliveryQueue: DeliveryQueue;
let side: RedisClient;

const body = (seed: number) => ({
  structure: { content: si, format: 'poscar' },
  supercell: [2],
  defect_types: ['vacancy'],
  output_formats: ['poscar'],
  random_seed: seed,
  webhook_url: `${receiver.url}/hook`,
});

beforeAll(async () => {
  prefix = uniquePrefix('reconciler');
  redis = await testRedis();
  receiver = await new WebhookReceiver().start();
  // The workers' own passes effectively never come (an hour apart): each test runs its passes itself.
  env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { LOG_LEVEL: 'silent', RECONCILE_INTERVAL_MS: '3600000', RECONCILE_GRACE_MS: String(GRACE_MS) } });
  api = await startTestApi(env);
  side = createRedis({ redisUrl: await redisUrl(), redisTimeoutMs: 2000 }, 'worker', 'reconciler-test');
  const config = loadConfig(env);
  queues = { [GENERATE_QUEUE]: createGenerateQueue(config, side, GENERATE_QUEUE), [HEAVY_QUEUE]: createGenerateQueue(config, side, HEAVY_QUEUE) };
  deliveryQueue = createDeliveryQueue(config, side);
}, 60_000);

afterEach(async () => {
  await worker?.close(2000);
  worker = null;
});

afterAll(async () => {
  await api?.close();
  await receiver?.stop();
  for (const q of [...Object.values(queues ?? {}), deliveryQueue]) await q?.close();
  side?.disconnect();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

async function startWorker(): Promise<WorkerProcess> {
  worker = await startWorkerProcess({ config: loadConfig(env), plugins: defaultPlugins() });
  return worker;
}

/** A reconciler on the worker's own store (whose listeners send the webhooks), on its own connection's queues. */
function reconcilerOf(w: WorkerProcess, connection: RedisClient = side): Reconciler {
  const config = w.ctx.config;
  return new Reconciler({
    store: w.ctx.store,
    batches: new BatchStore(connection, { prefix, ttlSeconds: config.actionTtlSeconds }),
    queues,
    deliveryQueue,
    fairShare: new FairShare(connection, { prefix, ttlSeconds: config.actionTtlSeconds }),
    schedule: new RetrySchedule(config.webhookRetryDelaysMs),
    config,
  });
}

/** One pass as if the grace period had gone by. */
async function passNow(reconciler: Reconciler): Promise<ReconcileReport> {
  for (;;) {
    const report = await reconciler.runOnce(Date.now() + GRACE_MS + 1000);
    if (!report.skipped) return report;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function submit(seed: number): Promise<string> {
  const res = await api.call('POST', GENERATE, { body: body(seed) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
}

async function waitForWebhook(id: string, timeoutMs = 15_000): Promise<{ status: string | undefined; type: string | undefined }[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = receiver.byAction().get(id);
    if (got?.length) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no webhook for ${id} within ${timeoutMs} ms`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the reconciler', () => {
  it('gives an action whose job was deleted its job again: it ends success and its webhook is delivered', { timeout: 60_000 }, async () => {
    const id = await submit(1);
    await queues[GENERATE_QUEUE].remove(generateJobId(id));
    expect(await queues[GENERATE_QUEUE].getJobState(generateJobId(id))).toBe('unknown');
    const w = await startWorker();
    // Nothing runs it: the job is gone.
    await sleep(1000);
    expect((await api.call('GET', `/actions/${id}`)).body.status).toBe('queued');
    // Within the grace period it is left alone.
    const early = await reconcilerOf(w).runOnce();
    expect(early.requeued).toEqual([]);

    const report = await passNow(reconcilerOf(w));
    expect(report.requeued).toEqual([id]);
    const done = await waitForAction(api, id);
    expect(done.status).toBe('success');
    const hooks = await waitForWebhook(id);
    expect(hooks.map((h) => [h.type, h.status])).toEqual([['action.completed', 'success']]);
    // Counted on /metrics.
    const metrics = (await api.call('GET', '/metrics', { as: 'ops' })).raw.toString('utf8');
    expect(metrics).toMatch(/defect_reconciled_total\{kind="requeued"\} [1-9]/);
  });

  it('runs an action record that never got a job (as a submission cut short leaves it)', { timeout: 60_000 }, async () => {
    const id = `orphan-${Date.now()}`;
    const params = (await api.call('POST', GENERATE, { body: body(2) })).body.id as string;
    // The parameters as the API resolves them, from an accepted twin.
    const twin = await api.ctx.store.get(params);
    await api.ctx.store.create({ id, owner: 'alice', parameters: twin!.parameters, input: { kind: 'inline', format: 'poscar' }, webhook_url: `${receiver.url}/hook` }, si);
    const w = await startWorker();
    await waitForAction(api, params);
    expect((await api.call('GET', `/actions/${id}`)).body.status).toBe('queued');
    const report = await passNow(reconcilerOf(w));
    expect(report.requeued).toContain(id);
    expect((await waitForAction(api, id)).status).toBe('success');
    expect((await waitForWebhook(id)).map((h) => h.status)).toEqual(['success']);
  });

  it('ends an action whose job and input are both gone `error` (lost_job), with its webhook', { timeout: 60_000 }, async () => {
    const id = await submit(3);
    await queues[GENERATE_QUEUE].remove(generateJobId(id));
    await redis.hdel(`${prefix}:action:${id}`, 'input');
    const w = await startWorker();
    const report = await passNow(reconcilerOf(w));
    expect(report.ended).toEqual([id]);
    expect(report.requeued).toEqual([]);
    const done = await waitForAction(api, id);
    expect(done.status).toBe('error');
    expect(done.error.code).toBe('lost_job');
    expect(done.error.message).toMatch(/no longer stored/);
    const hooks = await waitForWebhook(id);
    expect(hooks.map((h) => [h.type, h.status])).toEqual([['action.failed', 'error']]);
  });

  it('queues again a failed job whose action was never taken up (Redis refused the worker\'s writes)', { timeout: 60_000 }, async () => {
    const id = await submit(4);
    // What the workers left while Redis was full: each attempt failed before the action could be
    // taken up, until the job failed for good. A real BullMQ worker whose every attempt fails so.
    const failing = new Worker(GENERATE_QUEUE, async () => {
      throw new Error('OOM command not allowed when used memory > \'maxmemory\'');
    }, { connection: side, prefix, lockDuration: 2000 });
    try {
      for (let i = 0; i < 100 && (await queues[GENERATE_QUEUE].getJobState(generateJobId(id))) !== 'failed'; i++) await sleep(100);
    } finally {
      await failing.close();
    }
    expect(await queues[GENERATE_QUEUE].getJobState(generateJobId(id))).toBe('failed');
    const w = await startWorker();
    const report = await passNow(reconcilerOf(w));
    expect(report.requeued).toEqual([id]);
    expect((await waitForAction(api, id)).status).toBe('success');
    await waitForWebhook(id);
  });

  it('gives a pending delivery whose job was deleted its job again, and it is delivered', { timeout: 60_000 }, async () => {
    const config = loadConfig(env);
    // A store of our own with the real delivery hook, and no worker: the delivery is set up, its job waits.
    const store = new ActionStore(side, { prefix, ttlSeconds: config.actionTtlSeconds });
    const unregister = registerWebhookDelivery(store, deliveryQueue, new RetrySchedule(config.webhookRetryDelaysMs));
    try {
      const id = await submit(5);
      await queues[GENERATE_QUEUE].remove(generateJobId(id));
      await store.markStarted(id);
      const answer = generate({ content: si, format: 'poscar' }, { supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'], random_seed: 5 });
      expect(await store.complete(id, answer)).toBe(true);
      expect(await deliveryQueue.getJobState(deliveryJobId(id))).not.toBe('unknown');
      await deliveryQueue.remove(deliveryJobId(id));
      const w = await startWorker();
      await sleep(1000);
      expect(receiver.byAction().get(id)).toBeUndefined();
      expect((await store.getWebhook(id))?.state).toBe('pending');
      const report = await passNow(reconcilerOf(w));
      expect(report.deliveries).toEqual([`action:${id}`]);
      expect((await waitForWebhook(id)).map((h) => h.status)).toEqual(['success']);
      for (let i = 0; i < 50 && (await store.getWebhook(id))?.state !== 'delivered'; i++) await sleep(100);
      expect((await store.getWebhook(id))?.state).toBe('delivered');
    } finally {
      unregister();
    }
  });

  it('two reconcilers at once queue a lost job once', { timeout: 60_000 }, async () => {
    const id = await submit(6);
    await queues[GENERATE_QUEUE].remove(generateJobId(id));
    const w = await startWorkerProcess({ config: loadConfig(env), plugins: defaultPlugins(), overrides: { workerQueues: ['generate-heavy'] } });
    worker = w;
    const other = createRedis({ redisUrl: await redisUrl(), redisTimeoutMs: 2000 }, 'worker', 'reconciler-test-2');
    try {
      const [a, b] = await Promise.all([reconcilerOf(w).runOnce(Date.now() + GRACE_MS + 1000), reconcilerOf(w, other).runOnce(Date.now() + GRACE_MS + 1000)]);
      expect([a.skipped, b.skipped].sort()).toEqual([false, true]);
      expect([...a.requeued, ...b.requeued]).toEqual([id]);
      // A later pass finds the job live and leaves it.
      expect((await passNow(reconcilerOf(w))).requeued).toEqual([]);
      expect(await redis.hget(`${prefix}:action:${id}`, 'reconciles')).toBe('1');
    } finally {
      other.disconnect();
    }
    await w.close(2000);
    worker = await startWorker();
    const done = await waitForAction(api, id);
    expect(done.status).toBe('success');
    expect((await api.ctx.store.get(id))!.runs).toBe(1);
  });

  it('a submission answered 503 after its record was written but not its job is run by the reconciler; a retry with its Idempotency-Key gets the same action', { timeout: 60_000 }, async () => {
    const target = new URL(await redisUrl());
    const proxy = await new RedisCutProxy(target.hostname, Number(target.port || 6379)).start();
    const cutApi = await startTestApi({ ...env, REDIS_URL: proxy.url, REDIS_TIMEOUT_MS: '500', LOG_LEVEL: 'info' });
    await cutApi.ctx.hostChecker.warm();
    try {
      const posts: { id: string; key: string }[] = [];
      for (const key of ['cut-1', 'cut-2']) {
        for (let i = 0; i < 100 && cutApi.ctx.redis.status !== 'ready'; i++) await sleep(50);
        // Redis goes away right at the job's creation: the record is written, the job is not, and the
        // record cannot be taken back either.
        // (Only a job's data names `action_id`: the action record's own JSON calls it `id`.)
        proxy.armCut('{"action_id":');
        const res = await cutApi.call('POST', GENERATE, { body: body(7), headers: { 'idempotency-key': key } });
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(proxy.cuts).toBe(posts.length + 1);
        proxy.heal();
        const line = cutApi.logs.find((l) => l.msg === 'action recorded but not queued, and could not be taken back; the reconciler will queue it' && !posts.some((p) => p.id === l.action_id));
        expect(line, JSON.stringify(cutApi.logs.slice(-8))).toBeDefined();
        const id = String(line!.action_id);
        posts.push({ id, key });
        expect((await api.call('GET', `/actions/${id}`)).body.status).toBe('queued');
        expect(await queues[GENERATE_QUEUE].getJobState(generateJobId(id))).toBe('unknown');
      }
      // The client retries the first one: the same action, and now its job.
      let retry;
      for (let i = 0; i < 50; i++) {
        retry = await cutApi.call('POST', GENERATE, { body: body(7), headers: { 'idempotency-key': 'cut-1' } });
        if (retry.status !== 503) break;
        await sleep(100);
      }
      expect(retry!.status).toBe(202);
      expect(retry!.body.id).toBe(posts[0].id);
      expect(await queues[GENERATE_QUEUE].getJobState(generateJobId(posts[0].id))).not.toBe('unknown');
      // Nobody retries the second one: the reconciler runs it.
      const w = await startWorker();
      expect((await waitForAction(api, posts[0].id)).status).toBe('success');
      const report = await passNow(reconcilerOf(w));
      expect(report.requeued, JSON.stringify({ report, a: await api.ctx.store.get(posts[1].id), z: await redis.zscore(`${prefix}:actions:active`, posts[1].id), now: Date.now() })).toEqual([posts[1].id]);
      expect((await waitForAction(api, posts[1].id)).status).toBe('success');
      await waitForWebhook(posts[1].id);
    } finally {
      await cutApi.close();
      await proxy.stop();
    }
  });
});
