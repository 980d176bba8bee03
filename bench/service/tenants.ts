/**
 * The `fairness` phase of the service benchmark (issue 15): one API key floods the service, another
 * submits small actions meanwhile.
 *
 * 1. Burst: a direct client fires 500 POSTs as fast as 50 connections allow, under the default
 *    per-key limits; a second client posts one action in the middle of it.
 * 2. Backlog: the Ouro platform key (generous limits) queues 16 heavy jobs (1,000-atom P1 hosts
 *    with interstitials, about 11 s each alone on the benchmark machine and estimated at 15 s, so
 *    they go to `generate-heavy`; 16 so that the heavy worker's 4 threads stay busy throughout)
 *    and then queues 500 CdTe actions, topping its line up to 500 as workers take
 *    from it. Meanwhile a second client submits small actions one at a time, each once the previous
 *    one has finished; each one's queue wait (created → started) and completion (created →
 *    finished) are read from its action record.
 * The fleet: the API, one light worker process (WORKER_QUEUES=generate, 2 threads) and one heavy
 * worker process (WORKER_QUEUES=generate-heavy, 4 threads, nice 10 by default), all with the
 * default configuration otherwise; the workers start after the burst, which measures the API alone.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { keys } from '@defect-candidates/service/store/keys';
import { deletePrefix } from '../../test/support/redis.ts';
import { type WorkerHandle, spawnWorker, stopWorkers } from '../../test/support/service.ts';
import { jitteredIronGrid } from '../../test/support/structures.ts';
import { FIXTURES_DIR } from '../core/fixtures.ts';
import { median, percentile } from '../stats.ts';
import { table } from '../table.ts';
import { spawnApi } from './processes.ts';

const GENERATE_PATH = '/generate-point-defect-candidates';

/** What the phase needs from the benchmark run. */
export interface TenantBench {
  redis: Redis;
  redisUrl: string;
  base: string;
  log(line: string): void;
  logFiles: string[];
  prefixes: Set<string>;
}

export interface FairnessResults {
  burst: { sent: number; accepted: number; limited: number; wallMs: number; retryAfterS: number[]; otherKeyPostMs: number; otherKeyStatus: number };
  backlog: {
    heavyRunning: number;
    queuedAtStart: number;
    /** The platform's actions still queued when each sample was submitted. */
    queuedDuringSamples: number[];
    samples: number;
    postMs: number[];
    startMs: number[];
    completeMs: number[];
    /** Per sample, how many of the platform's queued actions started between its creation and its start. */
    overtakenBy: number[];
  };
}

interface Call {
  status: number;
  ms: number;
  body: { id?: string; error?: { code: string } };
  retryAfter: string | null;
}

export async function fairnessPhase(bench: TenantBench, options: { samples: number }): Promise<FairnessResults> {
  const prefix = `${bench.base}-fairness`;
  bench.prefixes.add(prefix);
  const logFile = join(tmpdir(), `${prefix}-api.log`);
  bench.logFiles.push(logFile);
  const secrets = { flood: randomBytes(12).toString('hex'), other: randomBytes(12).toString('hex'), platform: randomBytes(12).toString('hex') };
  const env: Record<string, string> = {
    REDIS_URL: bench.redisUrl,
    KEY_PREFIX: prefix,
    API_KEYS: `flood:client:${secrets.flood},other:client:${secrets.other}`,
    OURO_SERVICE_SECRET: secrets.platform,
    LOG_LEVEL: 'info',
  };
  const cdte = readFileSync(join(FIXTURES_DIR, 'structures', 'CdTe.cif'), 'utf8');
  const api = await spawnApi(env, logFile);
  const workers: WorkerHandle[] = [];
  const post = async (authorization: string, body: unknown): Promise<Call> => {
    const t0 = performance.now();
    const res = await fetch(`${api.url}${GENERATE_PATH}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, ms: performance.now() - t0, body: (await res.json()) as Call['body'], retryAfter: res.headers.get('retry-after') };
  };
  const client = (secret: string) => `Bearer ${secret}`;
  const platform = `Basic ${secrets.platform}`;
  const small = (seed: number) => ({ structure: { content: cdte, filename: 'CdTe.cif' }, dopant_elements: ['Mg'], random_seed: seed });
  try {
    // 1. A client's burst of 500 under the default limits, and another client's POST in the middle.
    bench.log('service fairness: burst of 500 POSTs from one client key…');
    const burst: Call[] = [];
    let next = 0;
    const t0 = performance.now();
    const other = (async () => {
      while (next < 250) await new Promise((r) => setTimeout(r, 1));
      return post(client(secrets.other), small(999_999));
    })();
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 500) burst.push(await post(client(secrets.flood), small(next++)));
      }),
    );
    const wallMs = performance.now() - t0;
    const otherCall = await other;
    // The workers start after the burst, so that it measures the API alone.
    workers.push(await spawnWorker({ ...env, WORKER_QUEUES: 'generate', WORKER_CONCURRENCY: '2' }));
    workers.push(await spawnWorker({ ...env, WORKER_QUEUES: 'generate-heavy', HEAVY_WORKER_CONCURRENCY: '4' }));

    // 2. The platform's heavy jobs, then its backlog of 500, then another key's small actions.
    bench.log('service fairness: 16 heavy jobs from the platform key…');
    for (let i = 0; i < 16; i++) {
      const heavy = await post(platform, { structure: { content: jitteredIronGrid(10, i + 1), format: 'poscar' }, supercell: [1], defect_types: ['vacancy', 'interstitial'], random_seed: i });
      if (heavy.status !== 202) throw new Error(`heavy submission refused: ${heavy.status} ${JSON.stringify(heavy.body)}`);
    }
    const heavyRunning = await waitForCount(() => activeCount(bench.redis, prefix, 'generate-heavy'), 4, 60_000);
    bench.log(`service fairness: ${heavyRunning} heavy jobs running; the platform queues 500 CdTe actions and keeps 500 queued…`);
    // The platform keeps 500 actions queued throughout: a feeder tops its line up as workers take from it.
    const line = keys(prefix).fairQueued('generate', 'ouro');
    const backlog: string[] = [];
    let feeding = true;
    let seed = 1000;
    const topUp = async () => {
      const missing = 500 - (await bench.redis.zcard(line));
      await Promise.all(
        Array.from({ length: Math.min(25, Math.max(0, missing)) }, async () => {
          for (let i = 0; i < Math.ceil(missing / 25); i++) {
            const r = await post(platform, small(seed++));
            if (r.status !== 202 || !r.body.id) throw new Error(`backlog submission refused: ${r.status} ${JSON.stringify(r.body)}`);
            backlog.push(r.body.id);
          }
        }),
      );
    };
    await topUp();
    const feeder = (async () => {
      while (feeding) {
        await topUp();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const queuedAtStart = await bench.redis.zcard(line);
    bench.log(`service fairness: ${queuedAtStart} queued; ${options.samples} small actions from another client key, each after the previous one finished…`);
    const ids: string[] = [];
    const postMs: number[] = [];
    const queuedDuringSamples: number[] = [];
    try {
      for (let i = 0; i < options.samples; i++) {
        queuedDuringSamples.push(await bench.redis.zcard(line));
        const r = await post(client(secrets.other), small(i));
        if (r.status !== 202 || !r.body.id) throw new Error(`sample refused: ${r.status} ${JSON.stringify(r.body)}`);
        ids.push(r.body.id);
        postMs.push(r.ms);
        await waitForRecords(bench.redis, prefix, [r.body.id], 60_000, 10);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      feeding = false;
      await feeder;
    }
    const records = await waitForRecords(bench.redis, prefix, ids, 120_000);
    const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
    const backlogStarts = (await readRecords(bench.redis, prefix, backlog)).map((m) => at(m?.started_at ?? null)).filter(Number.isFinite);
    // Load-independent: how many of the platform's jobs went first. Fair turns keep it to about one per light slot.
    const overtakenBy = records.map((m) => backlogStarts.filter((t) => t > at(m.created_at) && t < at(m.started_at)).length);
    return {
      burst: {
        sent: burst.length,
        accepted: burst.filter((c) => c.status === 202).length,
        limited: burst.filter((c) => c.status === 429).length,
        wallMs,
        retryAfterS: burst.filter((c) => c.status === 429).map((c) => Number(c.retryAfter)),
        otherKeyPostMs: otherCall.ms,
        otherKeyStatus: otherCall.status,
      },
      backlog: {
        heavyRunning,
        queuedAtStart,
        queuedDuringSamples,
        samples: ids.length,
        postMs,
        startMs: records.map((m) => at(m.started_at) - at(m.created_at)),
        completeMs: records.map((m) => at(m.finished_at) - at(m.created_at)),
        overtakenBy,
      },
    };
  } finally {
    await stopWorkers(workers, 2000);
    await api.stop();
    await deletePrefix(bench.redis, prefix);
  }
}

async function activeCount(redis: Redis, prefix: string, queue: string): Promise<number> {
  return redis.llen(`${prefix}:${queue}:active`);
}

async function waitForCount(read: () => Promise<number>, want: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = await read();
  while (n < want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    n = await read();
  }
  if (n < want) throw new Error(`only ${n} of ${want} heavy jobs running after ${timeoutMs} ms`);
  return n;
}

interface StoredRecord {
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

async function readRecords(redis: Redis, prefix: string, ids: string[]): Promise<(StoredRecord | null)[]> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(keys(prefix).action(id), 'meta');
  return ((await pipeline.exec()) ?? []).map(([, m]) => (m ? (JSON.parse(m as string) as StoredRecord) : null));
}

async function waitForRecords(redis: Redis, prefix: string, ids: string[], timeoutMs: number, pollMs = 100): Promise<StoredRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readRecords(redis, prefix, ids);
    if (records.every((r) => r && (r.status === 'success' || r.status === 'error'))) {
      const failed = records.filter((r) => r!.status !== 'success');
      if (failed.length > 0) throw new Error(`${failed.length} sample actions did not succeed`);
      return records as StoredRecord[];
    }
    if (Date.now() > deadline) throw new Error('sample actions did not finish in time');
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

export function fairnessReport(r: FairnessResults, md: boolean): string[] {
  const out: string[] = [];
  const heading = (text: string) => out.push(md ? `\n#### ${text}\n` : `\n== ${text}`);
  const b = r.burst;
  heading('Fairness (1): 500 POSTs from one client key as fast as 50 connections go, default limits (RATE_LIMIT_CLIENT 50 per second)');
  out.push(
    table(
      ['sent', 'accepted (202)', 'refused (429)', 'wall s', 'Retry-After given, s', "another key's POST mid-burst"],
      [[String(b.sent), String(b.accepted), String(b.limited), (b.wallMs / 1000).toFixed(2), b.retryAfterS.length ? `${Math.min(...b.retryAfterS)}–${Math.max(...b.retryAfterS)}` : '–', `${b.otherKeyStatus} in ${f0(b.otherKeyPostMs)} ms`]],
      { markdown: md },
    ),
  );
  const k = r.backlog;
  heading(`Fairness (2): another key's small actions while the platform key keeps about 500 queued and ${k.heavyRunning} heavy jobs run (${k.samples} CdTe + Mg actions, one at a time)`);
  const row = (name: string, v: number[]) => [name, f0(median(v)), f0(percentile(v, 95)), f0(Math.max(...v))];
  out.push(
    table(
      ['interval', 'p50 ms', 'p95 ms', 'max ms'],
      [
        row('POST answered (client side)', k.postMs),
        row('created → started', k.startMs),
        row('created → finished', k.completeMs),
        [`platform jobs started first (of ${k.queuedAtStart} queued)`, String(median(k.overtakenBy)), String(percentile(k.overtakenBy, 95)), String(Math.max(...k.overtakenBy))],
      ],
      { markdown: md },
    ),
  );
  out.push(
    `${md ? '\n' : ''}Target: start within 1 s p95: ${verdict(percentile(k.startMs, 95) <= 1000)}; complete within 2 s p95: ${verdict(percentile(k.completeMs, 95) <= 2000)}. ` +
      `The platform's actions still queued when each sample was sent: ${Math.min(...k.queuedDuringSamples)}–${Math.max(...k.queuedDuringSamples)}.`,
  );
  return out;
}
