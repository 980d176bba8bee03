import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { isFinished, tally, waitForAll, waitUntil } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';

// A batch of 200 on two worker processes, one of which is SIGKILLed while it holds some of the
// batch's jobs. The batch must still complete, count every action once, and send batch.completed
// as one message.

const ITEMS = 200;
const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const si = structureFixture('Si.vasp');

let prefix: string;
let redis: Redis;
let api: TestApi;
let receiver: WebhookReceiver;
let files: TestHttpServer;
let env: Record<string, string>;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('faults-batch');
  redis = await testRedis();
  receiver = await new WebhookReceiver().start();
  files = await startHttpServer({ '/slow.vasp': respondWith(si, { delayMs: 400 }) });
  env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { WEBHOOK_RETRY_DELAYS_MS: '0,200,500,1000,1000,1000,2000,2000' } });
  api = await startTestApi(env, [webhooksPlugin(), batchesPlugin()]);
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await receiver?.stop();
  await files?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

describe('a batch while a worker is killed', () => {
  it('completes, counts each action once and sends batch.completed as one message', { timeout: 180_000 }, async () => {
    workers.push(...(await Promise.all([spawnWorker(env), spawnWorker(env)])));
    const items = Array.from({ length: ITEMS }, (_, i) => (i % 5 === 2 ? { file: { url: `${files.url}/slow.vasp`, filename: 'Si.vasp' } } : { structure: { content: si, format: 'poscar' } }));
    const res = await api.call('POST', '/batches', {
      body: { webhook_url: `${receiver.url}/hook`, defaults: { supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'] }, items },
    });
    expect(res.status).toBe(202);
    const batchId = res.body.id as string;
    const ids: string[] = res.body.actions.map((a: { id: string }) => a.id);

    // Kill the second worker while it downloads one of the slow structures.
    const victim = workers[1];
    const holding = () => {
      const open = new Set<string>();
      for (const l of victim.logs) {
        if (l.msg === 'generation started') open.add(String(l.action_id));
        else if (l.msg === 'generation succeeded' || l.msg === 'generation failed') open.delete(String(l.action_id));
      }
      return [...open].filter((id) => Number(id.slice(id.lastIndexOf('.') + 1)) % 5 === 2);
    };
    await waitUntil(() => holding().length > 0, 60_000, 'the victim to start a slow job');
    const interrupted = holding();
    victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    workers.push(await spawnWorker(env));

    const statuses = await waitForAll(redis, prefix, ids, { timeoutMs: 120_000, done: isFinished });
    expect(tally(statuses, ids)).toEqual({ success: ITEMS });
    expect(tally(statuses, ids, (s) => String(s?.completions))).toEqual({ '1': ITEMS });
    for (const id of interrupted) expect(statuses.get(id)?.runs, id).toBeGreaterThanOrEqual(2);

    await waitUntil(() => receiver.byAction().has(batchId), 30_000, 'batch.completed');
    await waitForAll(redis, prefix, ids, { timeoutMs: 30_000, done: (s) => s?.webhookState === 'delivered' });
    await new Promise((r) => setTimeout(r, 1000));
    const batch = (await api.call('GET', `/batches/${batchId}`)).body;
    expect(batch).toMatchObject({ status: 'completed', counts: { success: ITEMS, error: 0 }, webhook: { state: 'delivered' } });
    // The ends counted on the batch: each action once, whatever was reported again after the kill.
    expect(Number(await redis.hget(`${prefix}:batch:{${batchId}}`, 'ended'))).toBe(ITEMS);
    const messages = receiver.byAction().get(batchId)!;
    expect(messages.every((m) => m.type === 'batch.completed' && WebhookReceiver.signatureValid(m, ALICE_WHSEC))).toBe(true);
    expect(new Set(messages.map((m) => m.webhookId)).size).toBe(1);
    expect(JSON.parse(messages[0].body).data.counts).toEqual({ success: ITEMS, error: 0 });
    const byAction = receiver.byAction();
    expect(ids.filter((id) => new Set((byAction.get(id) ?? []).map((r) => r.webhookId)).size !== 1)).toEqual([]);
  });
});
