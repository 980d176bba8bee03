import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@defect-candidates/service/config';
import { startApi, type ApiPlugin, type RunningApi } from '../../apps/api/src/app.ts';
import { REPO_ROOT } from './fixtures.ts';

/** Credentials every service test uses. */
export const SECRETS = {
  alice: 'alice-secret-0001',
  bob: 'bob-secret-0002',
  ops: 'ops-secret-0003',
  ouro: 'ouro-platform-secret',
} as const;

export const TEST_API_KEYS = `alice:client:${SECRETS.alice}:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,bob:client:${SECRETS.bob},ops:operator:${SECRETS.ops}`;

export type Caller = 'alice' | 'bob' | 'ops' | 'ouro' | 'nobody';

export function authHeader(caller: Caller): Record<string, string> {
  if (caller === 'nobody') return {};
  if (caller === 'ouro') return { authorization: `Basic ${SECRETS.ouro}` };
  return { authorization: `Bearer ${SECRETS[caller]}` };
}

/**
 * The environment of a test's API and workers: its own key prefix, short BullMQ lock and stall
 * timings (a lost worker's job moves on within seconds), private URLs allowed for local servers,
 * no per-key limits.
 */
export function serviceEnv(options: { prefix: string; redisUrl: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    REDIS_URL: options.redisUrl,
    KEY_PREFIX: options.prefix,
    API_KEYS: TEST_API_KEYS,
    OURO_SERVICE_SECRET: SECRETS.ouro,
    ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_CONCURRENCY: '2',
    WORKER_MEMORY_MB: '512',
    JOB_LOCK_DURATION_MS: '2000',
    JOB_STALLED_INTERVAL_MS: '1000',
    DOWNLOAD_ATTEMPTS: '3',
    DOWNLOAD_RETRY_DELAY_MS: '200',
    SHUTDOWN_GRACE_MS: '5000',
    WEBHOOK_RETRY_DELAYS_MS: '0,300,300,300',
    // Tests send bursts from one key; the limits have tests of their own (test/service/limits.test.ts).
    RATE_LIMIT_CLIENT: '0',
    RATE_LIMIT_PLATFORM: '0',
    QUEUED_LIMIT_CLIENT: '0',
    QUEUED_LIMIT_PLATFORM: '0',
    RATE_LIMIT_VIEW: '0',
    ...(options.extra ?? {}),
  };
}

export interface TestApi extends RunningApi {
  /** Every log line the API wrote, parsed. */
  logs: Record<string, unknown>[];
  call(method: string, path: string, options?: { as?: Caller; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: Buffer;
}

/** Starts the API in this process on an ephemeral port, its logs captured. */
export async function startTestApi(env: Record<string, string>, plugins: ApiPlugin[] = []): Promise<TestApi> {
  const logs: Record<string, unknown>[] = [];
  const destination = {
    write(line: string) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    },
  };
  const api = await startApi({ config: loadConfig(env), plugins, logDestination: destination });
  const call: TestApi['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...authHeader(options.as ?? 'alice'), ...(options.headers ?? {}) };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${api.url}${path}`, { method, headers, body });
    const raw = Buffer.from(await res.arrayBuffer());
    let parsed: unknown = undefined;
    if ((res.headers.get('content-type') ?? '').includes('json') && raw.length > 0) parsed = JSON.parse(raw.toString('utf8'));
    return { status: res.status, headers: res.headers, body: parsed, raw };
  };
  return Object.assign(api, { logs, call });
}

/** Polls `GET /actions/:id` until the action ends. */
export async function waitForAction(api: TestApi, id: string, options: { as?: Caller; timeoutMs?: number } = {}): Promise<any> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: TestResponse | null = null;
  while (Date.now() < deadline) {
    last = await api.call('GET', `/actions/${id}`, { as: options.as ?? 'alice' });
    if (last.status === 200 && (last.body.status === 'success' || last.body.status === 'error')) return last.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`action ${id} did not finish in time; last answer: ${last?.status} ${JSON.stringify(last?.body)?.slice(0, 500)}`);
}

export interface WorkerHandle {
  proc: ChildProcess;
  pid: number;
  /** Parsed log lines (stdout), in order. */
  logs: Record<string, unknown>[];
  stderr: string[];
  /** Resolves at the first log line matching `test`. */
  waitForLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * A worker as a real OS process (`node --import tsx apps/worker/src/main.ts`), so tests can
 * SIGTERM or SIGKILL it. Resolves once it logged "worker started".
 */
export async function spawnWorker(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<WorkerHandle> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')) childEnv[k] = v;
  Object.assign(childEnv, env, { NODE_ENV: 'production' });
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/worker/src/main.ts')], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const listeners = new Set<(line: Record<string, unknown>) => void>();
  let buffered = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!text.trim()) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      for (const l of listeners) l(line);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  const waitForLog: WorkerHandle['waitForLog'] = (test, timeoutMs = 20_000) => {
    const seen = logs.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`worker ${proc.pid}: no matching log line within ${timeoutMs} ms; stderr: ${stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      const listener = (line: Record<string, unknown>) => {
        if (!test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
      void exited.then(({ code, signal }) => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(new Error(`worker ${proc.pid} exited (${code ?? signal}) before the expected log line; stderr: ${stderr.join('').slice(-2000)}`));
      });
    });
  };

  const handle: WorkerHandle = {
    proc,
    pid: proc.pid!,
    logs,
    stderr,
    waitForLog,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
  await waitForLog((l) => l.msg === 'worker started', options.readyTimeoutMs ?? 30_000);
  return handle;
}

/** Stops workers still running (SIGKILL if SIGTERM does not end them within `graceMs`). */
export async function stopWorkers(workers: WorkerHandle[], graceMs = 8_000): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
      w.kill('SIGTERM');
      const timer = setTimeout(() => w.kill('SIGKILL'), graceMs);
      await w.exited;
      clearTimeout(timer);
    }),
  );
}
