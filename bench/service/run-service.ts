/**
 * The service benchmark: `npm run bench -- --service` (or `npm run bench:service`).
 *
 * Needs Redis (REDIS_URL, else redis://127.0.0.1:6379). Every phase runs the API and the workers
 * as real processes under its own KEY_PREFIX (`bench-<random>-<phase>`) and deletes its keys
 * afterwards, so it can share a Redis with tests and deployments. Options:
 *   --duration-s N     autocannon run length (default 20)
 *   --connections N    autocannon connections (default 50)
 *   --actions N        actions per end-to-end burst (default 200)
 *   --samples N        sequential actions for the idle-latency figures (default 40)
 *   --only a,b         phases: accept, latency, throughput, batch, fairness, archive, cold-start (default all)
 *   --batch-size N     items per POST /batches in the batch phase (default 100)
 *   --batch-connections N  autocannon connections in the batch phase (default 8)
 *   --fair-samples N   small actions of the second key in the fairness phase (default 20)
 *   --archive-rounds N rounds of 10 parallel archive downloads (default 5)
 *   --cold-runs N      fresh API processes in the cold-start phase (default 3)
 *   --markdown         tables as Markdown; --json the figures as JSON
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import autocannon, { type AutocannonResult } from 'autocannon';
import { Redis } from 'ioredis';
import { deletePrefix } from '../../test/support/redis.ts';
import { type WorkerHandle, spawnWorker, stopWorkers } from '../../test/support/service.ts';
import { type TestHttpServer, respondWith, startHttpServer } from '../../test/support/http-server.ts';
import { FIXTURES_DIR } from '../core/fixtures.ts';
import { describeMachine, machine } from '../machine.ts';
import { median, percentile } from '../stats.ts';
import { table } from '../table.ts';
import { type ApiProcess, processCpuSeconds, spawnApi } from './processes.ts';
import { type FairnessResults, fairnessPhase, fairnessReport } from './tenants.ts';
import { type ArchiveResults, type ColdStartResults, archivePhase, coldStartPhase, hardeningReport } from './hardening.ts';

const GENERATE_PATH = '/generate-point-defect-candidates';

interface Bench {
  redisUrl: string;
  redis: Redis;
  base: string;
  secret: string;
  env(prefix: string, extra?: Record<string, string>): Record<string, string>;
  log(line: string): void;
  logFiles: string[];
  /** Every KEY_PREFIX a phase used, for the final sweep. */
  prefixes: Set<string>;
}

function structure(name: string): string {
  return readFileSync(join(FIXTURES_DIR, 'structures', name), 'utf8');
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return get('used_cpu_user') + get('used_cpu_sys');
}

async function redisInfoField(redis: Redis, section: string, field: string): Promise<string> {
  const info = await redis.info(section);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'unknown';
}

/** CPU seconds used by each party during `run`, and its wall time. */
async function withCpu<T>(bench: Bench, pids: Record<string, number>, run: () => Promise<T>): Promise<{ value: T; wallS: number; cpuS: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuSeconds(pid)]));
  const redisBefore = await redisCpuSeconds(bench.redis);
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const wallS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(selfBefore);
  const cpuS: Record<string, number> = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuSeconds(pid) - before[k]]));
  cpuS.redis = (await redisCpuSeconds(bench.redis)) - redisBefore;
  cpuS['bench (load generator)'] = (self.user + self.system) / 1e6;
  return { value, wallS, cpuS };
}

// ---------------------------------------------------------------------------------------------
// Accept rate

interface AcceptRun {
  label: string;
  result: AutocannonResult;
  acceptedPerSecond: number;
  cpuS: Record<string, number>;
  wallS: number;
}

interface AcceptResults {
  structure: string;
  connections: number;
  durationS: number;
  runs: AcceptRun[];
  queued: number;
  accepted: number;
}

async function acceptPhase(bench: Bench, options: { durationS: number; connections: number }): Promise<AcceptResults> {
  const prefix = `${bench.base}-accept`;
  bench.prefixes.add(prefix);
  const logFile = join(tmpdir(), `${prefix}-api.log`);
  bench.logFiles.push(logFile);
  const api = await spawnApi(bench.env(prefix), logFile);
  try {
    const content = structure('Si.vasp');
    const headers = { authorization: `Bearer ${bench.secret}`, 'content-type': 'application/json' };
    const same = JSON.stringify({ structure: { content, filename: 'Si.vasp' } });
    let seed = 0;
    const fire = (durationS: number, varied: boolean) =>
      autocannon({
        url: api.url,
        connections: options.connections,
        duration: durationS,
        requests: [
          {
            method: 'POST',
            path: GENERATE_PATH,
            headers,
            ...(varied
              ? { setupRequest: (req) => ({ ...req, body: JSON.stringify({ structure: { content, filename: 'Si.vasp' }, random_seed: ++seed }) }) }
              : { body: same }),
          },
        ],
      });
    bench.log('service accept: warm-up 3 s…');
    await fire(3, false);
    const runs: AcceptRun[] = [];
    for (const [label, varied] of [
      ['same body (structure check cached)', false],
      ['random_seed varies (structure checked each time)', true],
    ] as const) {
      bench.log(`service accept: ${label}, ${options.connections} connections, ${options.durationS} s…`);
      const { value, wallS, cpuS } = await withCpu(bench, { api: api.pid }, () => fire(options.durationS, varied));
      runs.push({ label, result: value, acceptedPerSecond: value['2xx'] / value.duration, cpuS, wallS });
    }
    // autocannon returns with requests still in flight inside the API: let them land before counting.
    await new Promise((r) => setTimeout(r, 1000));
    // Jobs carry their owner's place in line as a priority (fair share): they wait in the prioritized set.
    const queued = await bench.redis.zcard(`${prefix}:generate:prioritized`);
    const accepted = await bench.redis.zcard(`${prefix}:actions:index:all`);
    return { structure: 'Si.vasp (2 atoms, inline)', connections: options.connections, durationS: options.durationS, runs, queued, accepted };
  } finally {
    await api.stop();
    await deletePrefix(bench.redis, prefix);
  }
}

// ---------------------------------------------------------------------------------------------
// Batch accept rate

interface BatchRun {
  label: string;
  result: AutocannonResult;
  /** Actions accepted per second: 202 answers × items per batch ÷ run time. */
  actionsPerSecond: number;
  cpuS: Record<string, number>;
  wallS: number;
  /**
   * Actions the 202 answers autocannon counted named (warm-up included), and what Redis holds
   * afterwards: a few more, the batches still in flight when autocannon stopped counting.
   */
  expected: number;
  recorded: number;
  queued: number;
}

interface BatchResults {
  size: number;
  connections: number;
  durationS: number;
  runs: BatchRun[];
}

/**
 * POST /batches with `size` items each, as fast as `connections` clients are answered, against
 * the API alone (no workers, so the jobs stay queued and can be counted). Two kinds of item: files
 * by URL (nothing to read at submission) and inline Si, whose submission check is remembered after
 * the first (items differ in random_seed only). Each kind runs on an API and a key prefix of its own.
 */
async function batchPhase(bench: Bench, options: { durationS: number; connections: number; size: number }): Promise<BatchResults> {
  const si = structure('Si.vasp');
  const kinds = [
    ['files by URL', (r: number, i: number) => ({ file: { url: `https://files.example.org/structures/${r}/${i}.cif`, filename: 'CdTe.cif' }, random_seed: i })],
    ['inline Si, submission check remembered', (r: number, i: number) => ({ structure: { content: si, filename: 'Si.vasp' }, random_seed: r * options.size + i })],
  ] as const;
  const runs: BatchRun[] = [];
  for (const [label, item] of kinds) {
    const prefix = `${bench.base}-batch${runs.length}`;
    bench.prefixes.add(prefix);
    const logFile = join(tmpdir(), `${prefix}-api.log`);
    bench.logFiles.push(logFile);
    const api = await spawnApi(bench.env(prefix), logFile);
    try {
      // Twenty different bodies in turn: the API parses and checks every one in full.
      const bodies = Array.from({ length: 20 }, (_, r) => JSON.stringify({ defaults: { dopant_elements: ['Mg'] }, items: Array.from({ length: options.size }, (_, i) => item(r, i)) }));
      let turn = 0;
      const fire = (durationS: number) =>
        autocannon({
          url: api.url,
          connections: options.connections,
          duration: durationS,
          requests: [
            {
              method: 'POST',
              path: '/batches',
              headers: { authorization: `Bearer ${bench.secret}`, 'content-type': 'application/json' },
              setupRequest: (req) => ({ ...req, body: bodies[turn++ % bodies.length] }),
            },
          ],
        });
      bench.log(`service batch: ${label}, warm-up 3 s…`);
      const warm = await fire(3);
      bench.log(`service batch: ${label}, ${options.size} items per batch, ${options.connections} connections, ${options.durationS} s…`);
      const { value, wallS, cpuS } = await withCpu(bench, { api: api.pid }, () => fire(options.durationS));
      // autocannon returns with requests still in flight inside the API: let them land before counting.
      await new Promise((r) => setTimeout(r, 1000));
      runs.push({
        label,
        result: value,
        actionsPerSecond: (value['2xx'] * options.size) / value.duration,
        cpuS,
        wallS,
        expected: (warm['2xx'] + value['2xx']) * options.size,
        recorded: await bench.redis.zcard(`${prefix}:actions:index:all`),
        // Jobs carry their owner's place in line as a priority (fair share): they wait in the prioritized set.
        queued: await bench.redis.zcard(`${prefix}:generate:prioritized`),
      });
    } finally {
      await api.stop();
      await deletePrefix(bench.redis, prefix);
    }
  }
  return { size: options.size, connections: options.connections, durationS: options.durationS, runs };
}

// ---------------------------------------------------------------------------------------------
// A running fleet: API, workers, webhook receiver

interface Fleet {
  prefix: string;
  api: ApiProcess;
  workers: WorkerHandle[];
  receiver: TestHttpServer;
  stop(): Promise<void>;
}

async function startFleet(bench: Bench, phase: string, nWorkers: number, extraEnv: Record<string, string> = {}): Promise<Fleet> {
  const prefix = `${bench.base}-${phase}`;
  bench.prefixes.add(prefix);
  const logFile = join(tmpdir(), `${prefix}-api.log`);
  bench.logFiles.push(logFile);
  const receiver = await startHttpServer();
  const env = bench.env(prefix, extraEnv);
  const api = await spawnApi(env, logFile);
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < nWorkers; i++) workers.push(await spawnWorker(env));
  } catch (err) {
    await stopWorkers(workers);
    await api.stop();
    await receiver.close();
    throw err;
  }
  return {
    prefix,
    api,
    workers,
    receiver,
    async stop() {
      await stopWorkers(workers);
      await api.stop();
      await receiver.close();
      await deletePrefix(bench.redis, prefix);
    },
  };
}

const CDTE_REQUEST = { dopant_elements: ['Mg'] };

async function submit(bench: Bench, fleet: Fleet, webhookPath: string): Promise<{ id: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${fleet.api.url}${GENERATE_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bench.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ structure: { content: structure('CdTe.cif'), filename: 'CdTe.cif' }, ...CDTE_REQUEST, webhook_url: `${fleet.receiver.url}${webhookPath}` }),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 202 || !body.id) throw new Error(`submission refused: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.id, ms: performance.now() - t0 };
}

interface StoredMeta {
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  status: string;
}

async function metas(bench: Bench, prefix: string, ids: string[]): Promise<(StoredMeta & { webhook: { attempts: { at: string }[] } | null })[]> {
  const pipe = bench.redis.pipeline();
  for (const id of ids) pipe.hmget(`${prefix}:action:${id}`, 'meta', 'webhook');
  const out = (await pipe.exec()) ?? [];
  return out.map(([err, value], i) => {
    if (err) throw err;
    const [meta, webhook] = value as [string | null, string | null];
    if (!meta) throw new Error(`action ${ids[i]} is missing`);
    return { ...(JSON.parse(meta) as StoredMeta), webhook: webhook ? JSON.parse(webhook) : null };
  });
}

const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);

// ---------------------------------------------------------------------------------------------
// Latency with idle workers

interface LatencyResults {
  samples: number;
  acceptToStartMs: number[];
  completionToWebhookMs: number[];
  completionToAttemptMs: number[];
  runMs: number[];
  postMs: number[];
  /** start → completion of the first actions after the worker started (cold generation threads), not in the figures above. */
  coldRunMs: number[];
}

async function latencyPhase(bench: Bench, samples: number): Promise<LatencyResults> {
  const fleet = await startFleet(bench, 'idle', 1);
  try {
    const r: LatencyResults = { samples, acceptToStartMs: [], completionToWebhookMs: [], completionToAttemptMs: [], runMs: [], postMs: [], coldRunMs: [] };
    bench.log(`service latency: ${samples} CdTe actions one at a time, one idle worker…`);
    // The first two warm the worker's generation threads; they are not counted.
    for (let i = -2; i < samples; i++) {
      const path = `/hook/${i}`;
      fleet.receiver.route(path, respondWith('ok'));
      const { id, ms } = await submit(bench, fleet, path);
      const arrival = await fleet.receiver.waitForRequest(path, 60_000);
      // Let the delivery's bookkeeping land, and the workers go back to waiting.
      await new Promise((res) => setTimeout(res, 150));
      const [m] = await metas(bench, fleet.prefix, [id]);
      if (i < 0) {
        r.coldRunMs.push(at(m.finished_at) - at(m.started_at));
        continue;
      }
      r.postMs.push(ms);
      r.acceptToStartMs.push(at(m.started_at) - at(m.created_at));
      r.runMs.push(at(m.finished_at) - at(m.started_at));
      r.completionToWebhookMs.push(arrival.at - at(m.finished_at));
      if (m.webhook?.attempts?.[0]) r.completionToAttemptMs.push(at(m.webhook.attempts[0].at) - at(m.finished_at));
    }
    return r;
  } finally {
    await fleet.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// End-to-end throughput, and Redis memory per stored action

interface ThroughputRun {
  workers: number;
  concurrencyPerWorker: number;
  actions: number;
  submitS: number;
  makespanS: number;
  completedPerSecond: number;
  steadyPerSecond: number;
  acceptToStartMs: number[];
  completionToWebhookMs: number[];
  cpuS: Record<string, number>;
  /** Wall time over which cpuS was measured (submission to last webhook). */
  cpuWallS: number;
  memory: MemoryResults | null;
}

interface MemoryResults {
  actions: number;
  actionKeyBytes: number[];
  responseGzipBytes: number[];
  responseJsonBytes: number[];
  inputGzipBytes: number[];
  inputBytes: number;
  /** Every key under the prefix (actions, indexes, stats, BullMQ jobs and queues), per action. */
  prefixBytesPerAction: number;
  jobKeyBytes: number[];
  webhookJobKeyBytes: number[];
}

async function memoryOf(bench: Bench, prefix: string, ids: string[]): Promise<MemoryResults> {
  const pipe = bench.redis.pipeline();
  for (const id of ids) {
    const key = `${prefix}:action:${id}`;
    pipe.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    pipe.hgetBuffer(key, 'response');
    pipe.hstrlen(key, 'input');
    pipe.call('MEMORY', 'USAGE', `${prefix}:generate:generate-${id}`, 'SAMPLES', '0');
  }
  const out = ((await pipe.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  });
  const r: MemoryResults = {
    actions: ids.length,
    actionKeyBytes: [],
    responseGzipBytes: [],
    responseJsonBytes: [],
    inputGzipBytes: [],
    inputBytes: Buffer.byteLength(structure('CdTe.cif')),
    prefixBytesPerAction: 0,
    jobKeyBytes: [],
    webhookJobKeyBytes: [],
  };
  for (let i = 0; i < ids.length; i++) {
    const [usage, response, input, job] = out.slice(4 * i, 4 * i + 4) as [number, Buffer | null, number, number | null];
    r.actionKeyBytes.push(usage);
    if (response) {
      r.responseGzipBytes.push(response.length);
      r.responseJsonBytes.push(gunzipSync(response).length);
    }
    r.inputGzipBytes.push(input);
    if (job !== null) r.jobKeyBytes.push(job);
  }
  let total = 0;
  let cursor = '0';
  do {
    const [next, found] = await bench.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    const p = bench.redis.pipeline();
    for (const k of found) p.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const usages = ((await p.exec()) ?? []).map(([, v]) => Number(v ?? 0));
    found.forEach((k, j) => {
      total += usages[j];
      if (k.startsWith(`${prefix}:webhooks:`) && /:webhooks:[^:]+$/.test(k) && !/:(meta|events|id|wait|active|completed|failed|delayed|prioritized|paused|stalled-check|marker|limiter|pc|repeat)$/.test(k)) {
        r.webhookJobKeyBytes.push(usages[j]);
      }
    });
  } while (cursor !== '0');
  r.prefixBytesPerAction = total / ids.length;
  return r;
}

async function throughputPhase(bench: Bench, nWorkers: number, actions: number, withMemory: boolean, threads?: number): Promise<ThroughputRun> {
  const fleet = await startFleet(bench, `e2e${nWorkers}x${threads ?? 'd'}`, nWorkers, threads ? { WORKER_CONCURRENCY: String(threads) } : {});
  try {
    fleet.receiver.route('/hook', respondWith('ok'));
    const concurrencyPerWorker = Number((fleet.workers[0].logs.find((l) => l.msg === 'worker started') as { concurrency?: number } | undefined)?.concurrency ?? Number.NaN);
    bench.log(`service throughput: ${nWorkers} worker process(es), warm-up…`);
    const warm = await Promise.all(Array.from({ length: 2 * nWorkers * Math.max(1, concurrencyPerWorker || 1) }, () => submit(bench, fleet, '/warm')));
    await waitFor(() => fleet.receiver.requests.filter((q) => q.path === '/warm').length >= warm.length, 120_000, 'warm-up webhooks');

    bench.log(`service throughput: ${actions} CdTe actions, ${nWorkers} worker process(es)…`);
    const pids: Record<string, number> = { api: fleet.api.pid };
    fleet.workers.forEach((w, i) => (pids[`worker ${i + 1}`] = w.pid));
    const { value: run, cpuS, wallS: cpuWallS } = await withCpu(bench, pids, async () => {
      const ids: string[] = [];
      const t0 = performance.now();
      let next = 0;
      // 16 clients submitting as fast as they are answered.
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < actions) {
            next++;
            ids.push((await submit(bench, fleet, '/hook')).id);
          }
        }),
      );
      const submitS = (performance.now() - t0) / 1000;
      await waitFor(() => fleet.receiver.requests.filter((q) => q.path === '/hook').length >= actions, 600_000, 'end-to-end webhooks');
      return { ids, submitS };
    });
    const ms = await metas(bench, fleet.prefix, run.ids);
    const bad = ms.filter((m) => m.status !== 'success');
    if (bad.length > 0) throw new Error(`${bad.length} actions did not succeed`);
    const created = ms.map((m) => at(m.created_at));
    const finished = ms.map((m) => at(m.finished_at)).sort((a, b) => a - b);
    const makespanS = (finished[finished.length - 1] - Math.min(...created)) / 1000;
    // Between the 10th and 90th completion percentile: the fleet's rate once saturated.
    const lo = finished[Math.floor(0.1 * finished.length)];
    const hi = finished[Math.floor(0.9 * finished.length)];
    const steadyPerSecond = (Math.floor(0.9 * finished.length) - Math.floor(0.1 * finished.length)) / ((hi - lo) / 1000);
    const arrivals = new Map<string, number>();
    for (const q of fleet.receiver.requests) {
      if (q.path !== '/hook') continue;
      const id = (JSON.parse(q.body.toString('utf8')) as { data?: { id?: string } }).data?.id;
      if (id && !arrivals.has(id)) arrivals.set(id, q.at);
    }
    const completionToWebhookMs = run.ids.map((id, i) => (arrivals.get(id) ?? Number.NaN) - at(ms[i].finished_at)).filter(Number.isFinite);
    const memory = withMemory ? await memoryOf(bench, fleet.prefix, run.ids) : null;
    return {
      workers: nWorkers,
      concurrencyPerWorker,
      actions,
      submitS: run.submitS,
      makespanS,
      completedPerSecond: actions / makespanS,
      steadyPerSecond,
      acceptToStartMs: ms.map((m) => at(m.started_at) - at(m.created_at)),
      completionToWebhookMs,
      cpuS,
      cpuWallS,
      memory,
    };
  } finally {
    await fleet.stop();
  }
}

async function waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// Report

export interface ServiceResults {
  machine: ReturnType<typeof machine>;
  redisVersion: string;
  redisUrl: string;
  accept: AcceptResults | null;
  latency: LatencyResults | null;
  throughput: ThroughputRun[];
  batch: BatchResults | null;
  fairness: FairnessResults | null;
  archive: ArchiveResults | null;
  coldStart: ColdStartResults | null;
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function cpuLine(cpuS: Record<string, number>, wallS: number): string {
  return Object.entries(cpuS)
    .map(([k, v]) => `${k} ${Math.round((100 * v) / wallS)}%`)
    .join(', ');
}

export function serviceReport(r: ServiceResults, options: { markdown?: boolean } = {}): string {
  const md = options.markdown === true;
  const out: string[] = [];
  const heading = (text: string) => out.push(md ? `\n#### ${text}\n` : `\n== ${text}`);
  const para = (text: string) => out.push(md ? `\n${text}` : text);

  if (r.accept) {
    const a = r.accept;
    heading(`Accept rate: POST ${GENERATE_PATH}, ${a.structure}, autocannon ${a.connections} connections × ${a.durationS} s, no workers running`);
    out.push(
      table(
        ['body', 'accepted/s (202)', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'CPU per accepted request, API ms', 'Redis ms', 'CPU use (% of one core)'],
        a.runs.map((run) => [
          run.label,
          run.acceptedPerSecond.toFixed(0),
          String(run.result.latency.p50),
          String(run.result.latency.p99),
          String(run.result.latency.max),
          String(run.result.non2xx),
          String(run.result.errors + run.result.timeouts),
          ((1000 * run.cpuS.api) / run.result['2xx']).toFixed(3),
          ((1000 * run.cpuS.redis) / run.result['2xx']).toFixed(3),
          cpuLine(run.cpuS, run.wallS),
        ]),
        { markdown: md },
      ),
    );
    const best = a.runs[0];
    para(
      `Target ≥ 1,500 accepted/s with p99 ≤ 50 ms: ${verdict(best.acceptedPerSecond >= 1500 && best.result.latency.p99 <= 50)} (same body); ` +
        `${verdict(a.runs[1].acceptedPerSecond >= 1500 && a.runs[1].result.latency.p99 <= 50)} (seed varies). ` +
        `Check: actions recorded ${a.accepted} (warm-up included), generate jobs waiting ${a.queued}${a.accepted === a.queued ? ': every accepted action has its job' : ': MISMATCH'}.`,
    );
  }

  if (r.batch) {
    const b = r.batch;
    heading(`Batch accept rate: POST /batches, ${b.size} items each, autocannon ${b.connections} connections × ${b.durationS} s, no workers running`);
    out.push(
      table(
        ['items', 'actions accepted/s', 'batches/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'CPU per accepted action, API µs', 'Redis µs', 'CPU use (% of one core)', 'actions named / recorded / jobs queued'],
        b.runs.map((run) => [
          run.label,
          run.actionsPerSecond.toFixed(0),
          (run.result['2xx'] / run.result.duration).toFixed(1),
          String(run.result.latency.p50),
          String(run.result.latency.p99),
          String(run.result.latency.max),
          String(run.result.non2xx),
          String(run.result.errors + run.result.timeouts),
          ((1e6 * run.cpuS.api) / (run.result['2xx'] * b.size)).toFixed(0),
          ((1e6 * run.cpuS.redis) / (run.result['2xx'] * b.size)).toFixed(0),
          cpuLine(run.cpuS, run.wallS),
          `${run.expected} / ${run.recorded} / ${run.queued}`,
        ]),
        { markdown: md },
      ),
    );
    para(
      `Target ≥ 5,000 actions/s accepted through batches of 100: ${b.runs.map((run) => `${verdict(run.actionsPerSecond >= 5000)} (${run.label})`).join('; ')}. ` +
        `Check: ${b.runs.every((run) => run.recorded >= run.expected && run.recorded === run.queued) ? 'every action a 202 named was recorded and has its job' : 'MISMATCH between the actions named, recorded and queued'} (recorded may exceed named by the batches in flight when the run ended).`,
    );
  }

  if (r.latency) {
    const l = r.latency;
    heading(`Latency with idle workers: ${l.samples} CdTe actions (all families + Mg, webhook_url to a local receiver), one at a time, one worker process`);
    const row = (name: string, v: number[]) => [name, f1(median(v)), f1(percentile(v, 95)), f1(Math.max(...v))];
    out.push(
      table(
        ['interval', 'p50 ms', 'p95 ms', 'max ms'],
        [
          row('POST answered (client side)', l.postMs),
          row('acceptance → start (created_at → started_at)', l.acceptToStartMs),
          row('start → completion (generation + storing)', l.runMs),
          row('completion → first webhook attempt starts (attempts[0].at)', l.completionToAttemptMs),
          row('completion → webhook received by the receiver', l.completionToWebhookMs),
        ],
        { markdown: md },
      ),
    );
    para(
      `Targets: acceptance-to-start < 20 ms p50: ${verdict(median(l.acceptToStartMs) < 20)}; completion-to-webhook < 100 ms p95: ${verdict(percentile(l.completionToWebhookMs, 95) < 100)}. ` +
        'Timestamps are the action record\'s (millisecond ISO times, one clock: everything runs on this machine). ' +
        `The first ${l.coldRunMs.length} actions after the worker started warmed its generation threads and are left out; they took ${l.coldRunMs.join(' and ')} ms from start to completion.`,
    );
  }

  if (r.throughput.length > 0) {
    heading('End-to-end throughput: a burst of CdTe actions (all families + Mg, webhook to a local receiver), submitted by 16 clients');
    out.push(
      table(
        ['worker processes', 'threads each', 'actions', 'submitted in s', 'first accept → last completion s', 'completed/s', 'steady completed/s (10–90 %)', 'queue wait p50 ms', 'completion → webhook p95 ms', 'CPU ms per action: workers / API / Redis', 'CPU use (% of one core)'],
        r.throughput.map((t) => [
          String(t.workers),
          String(t.concurrencyPerWorker),
          String(t.actions),
          t.submitS.toFixed(2),
          t.makespanS.toFixed(2),
          t.completedPerSecond.toFixed(1),
          t.steadyPerSecond.toFixed(1),
          f1(median(t.acceptToStartMs)),
          f1(percentile(t.completionToWebhookMs, 95)),
          [
            Object.entries(t.cpuS)
              .filter(([k]) => k.startsWith('worker'))
              .reduce((a, [, v]) => a + v, 0),
            t.cpuS.api,
            t.cpuS.redis,
          ]
            .map((v) => f1((1000 * v) / t.actions))
            .join(' / '),
          cpuLine(t.cpuS, t.cpuWallS),
        ]),
        { markdown: md },
      ),
    );
    const mem = r.throughput.find((t) => t.memory)?.memory;
    if (mem) {
      heading(`Redis memory per stored action (MEMORY USAGE, ${mem.actions} successful CdTe actions)`);
      out.push(
        table(
          ['what', 'median KB', 'max KB'],
          [
            ['action hash (meta, gzip input, gzip response, webhook state)', kb(median(mem.actionKeyBytes)), kb(Math.max(...mem.actionKeyBytes))],
            ['  of which response, gzip', kb(median(mem.responseGzipBytes)), kb(Math.max(...mem.responseGzipBytes))],
            ['  response as JSON, uncompressed', kb(median(mem.responseJsonBytes)), kb(Math.max(...mem.responseJsonBytes))],
            ['  of which input (CdTe.cif), gzip', kb(median(mem.inputGzipBytes)), kb(Math.max(...mem.inputGzipBytes))],
            ['generate job (BullMQ, kept JOB_KEEP_COMPLETED_SECONDS)', kb(median(mem.jobKeyBytes)), kb(Math.max(...mem.jobKeyBytes))],
            ['webhook job (BullMQ)', kb(median(mem.webhookJobKeyBytes)), kb(Math.max(...mem.webhookJobKeyBytes))],
            ['everything under the prefix, per action', kb(mem.prefixBytesPerAction), '–'],
          ],
          { markdown: md },
        ),
      );
      const ratio = median(mem.responseJsonBytes) / median(mem.responseGzipBytes);
      para(`Responses are stored gzip-compressed: ${ratio.toFixed(1)}× smaller than their JSON (input ${mem.inputBytes} B → ${median(mem.inputGzipBytes)} B gzip).`);
    }
  }
  if (r.fairness) out.push(...fairnessReport(r.fairness, md));
  out.push(...hardeningReport(r.archive, r.coldStart, md));
  return out.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'boolean', default: true },
      'duration-s': { type: 'string', default: '20' },
      connections: { type: 'string', default: '50' },
      actions: { type: 'string', default: '200' },
      samples: { type: 'string', default: '40' },
      only: { type: 'string', default: 'accept,latency,throughput,batch,fairness,archive,cold-start' },
      'fair-samples': { type: 'string', default: '20' },
      'archive-rounds': { type: 'string', default: '5' },
      'cold-runs': { type: 'string', default: '3' },
      'batch-size': { type: 'string', default: '100' },
      'batch-connections': { type: 'string', default: '8' },
      markdown: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const phases = new Set(values.only.split(',').map((s) => s.trim()));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const secret = randomBytes(18).toString('hex');
  const whsec = `whsec_${randomBytes(24).toString('base64')}`;
  const bench: Bench = {
    redisUrl,
    redis,
    base: `bench-${randomBytes(4).toString('hex')}`,
    secret,
    env: (prefix, extra = {}) => ({
      REDIS_URL: redisUrl,
      KEY_PREFIX: prefix,
      API_KEYS: `bench:client:${secret}:${whsec}`,
      ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'info',
      // These phases measure capacity from one key: the per-key limits are the fairness phase's subject.
      RATE_LIMIT_CLIENT: '0',
      QUEUED_LIMIT_CLIENT: '0',
      ...extra,
    }),
    log: (line) => process.stderr.write(`${line}\n`),
    logFiles: [],
    prefixes: new Set(),
  };
  const results: ServiceResults = {
    machine: machine(),
    redisVersion: await redisInfoField(redis, 'server', 'redis_version'),
    redisUrl: redisUrl.replace(/\/\/[^@/]*@/, '//***@'),
    accept: null,
    latency: null,
    throughput: [],
    batch: null,
    fairness: null,
    archive: null,
    coldStart: null,
  };
  // Ctrl-C: the children get the signal from the terminal too; the keys are ours to remove.
  process.once('SIGINT', () => {
    bench.log('interrupted: removing the benchmark\'s keys');
    void Promise.all([...bench.prefixes].map((p) => deletePrefix(redis, p))).finally(() => process.exit(130));
  });
  let failed = false;
  try {
    if (phases.has('accept')) results.accept = await acceptPhase(bench, { durationS: Number(values['duration-s']), connections: Number(values.connections) });
    if (phases.has('latency')) results.latency = await latencyPhase(bench, Number(values.samples));
    if (phases.has('throughput')) {
      results.throughput.push(await throughputPhase(bench, 1, Number(values.actions), true));
      results.throughput.push(await throughputPhase(bench, 2, Number(values.actions), false));
      // The same two generation threads as one default process, split over two processes.
      results.throughput.push(await throughputPhase(bench, 2, Number(values.actions), false, 1));
    }
    if (phases.has('batch')) {
      results.batch = await batchPhase(bench, { durationS: Number(values['duration-s']), connections: Number(values['batch-connections']), size: Number(values['batch-size']) });
    }
    if (phases.has('fairness')) results.fairness = await fairnessPhase(bench, { samples: Number(values['fair-samples']) });
    if (phases.has('archive')) results.archive = await archivePhase(bench, { rounds: Number(values['archive-rounds']) });
    if (phases.has('cold-start')) results.coldStart = await coldStartPhase(bench, { runs: Number(values['cold-runs']) });
  } catch (err) {
    failed = true;
    bench.log(`service benchmark failed: ${(err as Error).stack ?? err}`);
    bench.log(`API logs kept in: ${bench.logFiles.join(', ')}`);
  } finally {
    for (const prefix of bench.prefixes) await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  if (!failed) for (const f of bench.logFiles) rmSync(f, { force: true });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(`Machine: ${describeMachine(results.machine)}; Redis ${results.redisVersion} at ${results.redisUrl}\n`);
    process.stdout.write(`${serviceReport(results, { markdown: values.markdown })}\n`);
  }
  if (failed) process.exitCode = 1;
}
