import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, startTestApi, type TestApi } from '../support/service.ts';
import { isFinished, submitMany, tally, waitForAll } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// One worker process runs 1,000 jobs (with their webhooks) after a warm-up; its heap and RSS are
// sampled after forced garbage collection every 200 jobs. The growth is printed; the assertion is
// a generous bound that a per-job leak of the answer, the input or a listener would still break.

const WARM_UP = 200;
const JOBS = 1_000;
const SAMPLE_EVERY = 200;
/** Retained heap growth allowed over the 1,000 jobs: 16 KB per job, far above noise after GC. */
const MAX_HEAP_GROWTH_MB = 16;
/** RSS also holds the generation threads' heaps and allocator slack, so its bound is looser. */
const MAX_RSS_GROWTH_MB = 96;

const si = structureFixture('Si.vasp');

let prefix: string;
let redis: Redis;
let api: TestApi;
let receiver: WebhookReceiver;
let worker: ChildProcess | null = null;

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

beforeAll(async () => {
  prefix = uniquePrefix('faults-memory');
  redis = await testRedis();
  receiver = await new WebhookReceiver().start();
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { LOG_LEVEL: 'warn' } });
  api = await startTestApi(env);
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')) childEnv[k] = v;
  Object.assign(childEnv, env, { NODE_ENV: 'production' });
  const child = fork(join(REPO_ROOT, 'test/support/memory-worker.ts'), [], {
    cwd: REPO_ROOT,
    env: childEnv,
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  worker = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('memory worker did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`memory worker exited (${code}) before it was ready`)));
    child.on('message', (m: { type: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
    worker.send({ type: 'stop' });
    const timer = setTimeout(() => worker!.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await api?.close();
  await receiver?.stop();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

let probeId = 0;
function memory(): Promise<Usage & { gc: boolean }> {
  const id = ++probeId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('memory probe unanswered')), 10_000);
    const onMessage = (m: { type: string; id: number; usage: Usage; gc: boolean }) => {
      if (m.type !== 'memory' || m.id !== id) return;
      clearTimeout(timer);
      worker!.off('message', onMessage);
      resolve({ ...m.usage, gc: m.gc });
    };
    worker!.on('message', onMessage);
    worker!.send({ type: 'memory', id });
  });
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Submits `count` jobs and waits for all of them (and their webhooks) to finish. */
async function runJobs(offset: number, count: number): Promise<void> {
  const ids = await submitMany(
    api,
    count,
    (i) => ({ structure: { content: si, format: 'poscar' }, supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'], random_seed: offset + i, webhook_url: `${receiver.url}/hook` }),
    { concurrency: 8 },
  );
  const statuses = await waitForAll(redis, prefix, ids, { timeoutMs: 60_000, done: (s) => isFinished(s) && s?.webhookState === 'delivered' });
  expect(tally(statuses, ids)).toEqual({ success: count });
}

describe('a worker process over 1,000 jobs', () => {
  it('keeps its memory flat', { timeout: 180_000 }, async () => {
    await runJobs(0, WARM_UP);
    const baseline = await memory();
    expect(baseline.gc).toBe(true);
    const samples: { jobs: number; usage: Usage }[] = [{ jobs: 0, usage: baseline }];
    for (let done = 0; done < JOBS; done += SAMPLE_EVERY) {
      await runJobs(WARM_UP + done, SAMPLE_EVERY);
      samples.push({ jobs: done + SAMPLE_EVERY, usage: await memory() });
    }
    const last = samples.at(-1)!.usage;
    const heapGrowth = mb(last.heapUsed - baseline.heapUsed);
    const rssGrowth = mb(last.rss - baseline.rss);

    console.log(
      `worker memory over ${JOBS} jobs (after ${WARM_UP} warm-up jobs, GC before each sample): ` +
        samples.map((s) => `${s.jobs}: heap ${mb(s.usage.heapUsed)} MB, rss ${mb(s.usage.rss)} MB`).join('; ') +
        `; growth heap ${heapGrowth} MB, rss ${rssGrowth} MB`,
    );
    expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH_MB);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH_MB);
  });
});
