import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { describeStuck, isFinished, readStatuses, submitMany, tally, waitForAll, waitUntil } from '../support/bulk-actions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';

// A burst of 1,000 actions on two worker processes, one of which is SIGKILLed and restarted twice
// while the burst runs. Nothing accepted may be lost, nothing may complete twice, and every
// result must reach its webhook. The reconciler runs as in production, with short timings (every
// 2 s, 10 s of grace); the summary line says whether it had anything to mend, i.e. whether BullMQ's
// own stalled-job recovery lost something. On a failure, the stuck actions are listed with the
// states of their jobs.

const BURST = 1_000;
/** Alice's signing secret in the shared test keys (test/support/service.ts). */
const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const si = structureFixture('Si.vasp');

let prefix: string;
let redis: Redis;
let api: TestApi;
let receiver: WebhookReceiver;
let files: TestHttpServer;
let env: Record<string, string>;
const workers: WorkerHandle[] = [];
/** Ends the kill controller's loop, also when the test fails half-way. */
let stopController = false;

beforeAll(async () => {
  prefix = uniquePrefix('faults-burst');
  redis = await testRedis();
  receiver = await new WebhookReceiver().start();
  // One action in ten downloads its structure from a slow host (400 ms), so a worker is surely
  // in the middle of those when it is killed.
  files = await startHttpServer({ '/slow.vasp': respondWith(si, { delayMs: 400 }) });
  env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { LOG_LEVEL: 'info', WEBHOOK_RETRY_DELAYS_MS: '0,200,500,1000,1000,1000,2000,2000', RECONCILE_INTERVAL_MS: '2000', RECONCILE_GRACE_MS: '10000' } });
  api = await startTestApi(env, [webhooksPlugin()]);
});

afterAll(async () => {
  stopController = true;
  await stopWorkers(workers, 3_000);
  await api?.close();
  await receiver?.stop();
  await files?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

describe('a burst of 1,000 actions while a worker is killed twice', () => {
  it('ends every action in success, once, with its webhook delivered', { timeout: 180_000 }, async () => {
    workers.push(...(await Promise.all([spawnWorker(env), spawnWorker(env)])));
    let victim = workers[1];

    const started = Date.now();
    const successes = (w: WorkerHandle) => w.logs.filter((l) => l.msg === 'generation succeeded').length;
    /** The actions a worker has started and not (yet, as far as its log tells) finished. */
    const running = (w: WorkerHandle) => {
      const open = new Set<string>();
      for (const l of w.logs) {
        if (l.msg === 'generation started') open.add(String(l.action_id));
        else if (l.msg === 'generation succeeded' || l.msg === 'generation failed') open.delete(String(l.action_id));
      }
      return open;
    };

    // The victim is SIGKILLed twice while it is downloading a slow structure: once after a quarter
    // of the burst was submitted, once (its replacement) after 60%. Submission waits at 40% for the
    // first replacement to be up and at 85% for the second kill, so both faults land mid-burst.
    const slow = new Set<string>();
    const kills: { submitted: number; pid: number; signal: string | null; holding: number; interrupted: string[] }[] = [];
    let submitted = 0;
    /** Every SIGKILL, those that interrupted nothing included. */
    let killed = 0;
    const replacementsUp: Promise<void>[] = [];
    const controller = (async () => {
      const thresholds = [Math.floor(BURST / 4), Math.floor((BURST * 3) / 5)];
      while (kills.length < thresholds.length) {
        const threshold = thresholds[kills.length];
        const slowRunning = () => [...running(victim)].filter((id) => slow.has(id));
        // The victim's log reaches this process through a pipe, late when the machine is busy: an
        // action it logged as started may have ended since (once in five runs it had, and the test
        // then expected a re-run that could not happen). Redis says what is still running.
        const stillRunning = async (ids: string[]) => {
          const now = await readStatuses(redis, prefix, ids);
          return ids.filter((id) => now.get(id)?.status === 'in-progress');
        };
        while (!stopController && (submitted < threshold || (await stillRunning(slowRunning())).length === 0)) await new Promise((r) => setTimeout(r, 10));
        if (stopController) return;
        const dying = victim;
        const candidates = slowRunning();
        const holding = running(dying).size;
        dying.kill('SIGKILL');
        const { signal } = await dying.exited;
        // What the dead process left unfinished (it can end nothing any more, and another worker
        // takes its jobs only once their locks expire): these must be run again. A kill that
        // landed just after they ended (the test's process can lag behind Redis even so) counts
        // as no fault: the next opportunity is taken.
        const interrupted = await stillRunning(candidates);
        killed++;
        if (interrupted.length > 0) kills.push({ submitted, pid: dying.pid, signal, holding, interrupted });
        const up = spawnWorker(env).then((w) => {
          workers.push(w);
          victim = w;
        });
        replacementsUp.push(up);
        await up;
      }
    })();
    const gate = async (index: number) => {
      if (index === Math.floor(BURST * 0.4)) await waitUntil(() => replacementsUp.length >= 1, 30_000, 'the first kill').then(() => replacementsUp[0]);
      if (index === Math.floor(BURST * 0.85)) await waitUntil(() => kills.length >= 2, 30_000, 'the second kill');
    };

    // Si, 16-atom supercell, vacancies only, POSCAR only: a few milliseconds of core work, so the
    // test exercises the queue and the fault handling rather than the core.
    const isSlow = (i: number) => i % 10 === 5;
    const body = (i: number) => ({
      ...(isSlow(i) ? { file: { url: `${files.url}/slow.vasp`, filename: 'Si.vasp' } } : { structure: { content: si, format: 'poscar' } }),
      supercell: [2],
      defect_types: ['vacancy'],
      output_formats: ['poscar'],
      random_seed: i,
      webhook_url: `${receiver.url}/hook`,
    });
    const ids: string[] = [];
    for (const [from, to] of [[0, BURST * 0.4], [BURST * 0.4, BURST * 0.85], [BURST * 0.85, BURST]]) {
      await gate(from);
      const wave = await submitMany(api, to - from, (i) => body(from + i), {
        concurrency: 16,
        onAccepted: (id, i) => {
          submitted++;
          if (isSlow(from + i)) slow.add(id);
        },
      });
      ids.push(...wave);
    }
    const submittedMs = Date.now() - started;
    stopController = true;
    await controller;
    await Promise.all(replacementsUp);

    const statuses = await waitForAll(redis, prefix, ids, { timeoutMs: 120_000, done: isFinished });
    const finishedMs = Date.now() - started;
    if (!ids.every((id) => isFinished(statuses.get(id)))) console.log(`stuck actions:\n${await describeStuck(redis, prefix, ids, isFinished)}`);

    // Both faults happened mid-burst, by SIGKILL, to a worker holding jobs.
    expect(kills.map((k) => k.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    for (const k of kills) {
      expect(k.submitted).toBeLessThan(BURST);
      expect(k.interrupted.length).toBeGreaterThan(0);
    }

    // Every action: success, recorded exactly once.
    expect(tally(statuses, ids)).toEqual({ success: BURST });
    expect(tally(statuses, ids, (s) => String(s?.completions))).toEqual({ '1': BURST });
    // Independent of the store's counter: the workers' own logs (the killed ones' included) never
    // report two successful endings of one action.
    const successLines = new Map<string, number>();
    for (const w of workers) for (const l of w.logs) if (l.msg === 'generation succeeded') successLines.set(String(l.action_id), (successLines.get(String(l.action_id)) ?? 0) + 1);
    expect([...successLines.values()].filter((n) => n > 1)).toEqual([]);
    // The jobs the kills interrupted (mid-download) were taken over and run again.
    for (const id of kills.flatMap((k) => k.interrupted)) expect(statuses.get(id)?.runs, id).toBeGreaterThanOrEqual(2);
    const rerun = ids.filter((id) => (statuses.get(id)?.runs ?? 0) >= 2);
    const stalled = workers.flatMap((w) => w.logs.filter((l) => l.msg === 'job lost its worker; back in the queue')).length;
    expect(workers.length).toBe(2 + killed);

    // Every webhook delivered: the record says so, and the receiver holds it, once per webhook-id.
    const delivered = await waitForAll(redis, prefix, ids, { timeoutMs: 30_000, done: (s) => s?.webhookState === 'delivered' });
    if (!ids.every((id) => delivered.get(id)?.webhookState === 'delivered')) {
      console.log(`undelivered webhooks:\n${await describeStuck(redis, prefix, ids, (s) => s?.webhookState === 'delivered')}`);
    }
    expect(tally(delivered, ids, (s) => s?.webhookState ?? 'none')).toEqual({ delivered: BURST });
    const byAction = receiver.byAction();
    const missing = ids.filter((id) => !byAction.has(id));
    expect(missing).toEqual([]);
    const idsPerAction = ids.map((id) => new Set(byAction.get(id)!.map((r) => r.webhookId)).size);
    expect(idsPerAction.every((n) => n === 1)).toBe(true);
    const all = ids.flatMap((id) => byAction.get(id)!);
    expect(all.every((r) => r.type === 'action.completed' && r.status === 'success')).toBe(true);
    expect(all.filter((r) => !WebhookReceiver.signatureValid(r, ALICE_WHSEC))).toEqual([]);
    const duplicates = all.length - BURST;
    // Work the reconciler had to mend: a job lost by the kills that BullMQ itself did not bring back.
    const reconciled = await redis.hgetall(`${prefix}:stats:reconciled`);

    console.log(
      `burst: ${BURST} accepted in ${submittedMs} ms, all finished after ${finishedMs} ms; kills after ${kills.map((k) => k.submitted).join(' and ')} submissions (${killed - kills.length} more that interrupted nothing) (holding ${kills.map((k) => k.holding).join(' and ')} jobs, ${kills.map((k) => k.interrupted.length).join(' and ')} mid-download); ` +
        `${rerun.length} actions re-run after a kill, ${stalled} stalled jobs recovered; jobs per worker process ${workers.map(successes).join(', ')}; ${duplicates} repeated webhook deliveries (same webhook-id); reconciled ${JSON.stringify(reconciled)}`,
    );
  });
});
