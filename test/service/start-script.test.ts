import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv } from '../support/service.ts';

// `npm start` (scripts/start.mjs): the API and a worker under one script. One Ctrl-C or SIGTERM to
// its process group must give each child one signal and its shutdown grace, not two (a worker's
// second signal means "exit at once"); killed outright, the script must not leave its children running.

interface StartRun {
  proc: ChildProcess;
  /** Parsed pino lines of both children (their stdout), in order. */
  logs: Record<string, unknown>[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const prefixes: string[] = [];

/** `npm start` as `npm` runs it (`node scripts/start.mjs`), leading a process group of its own as a terminal's job does; resolves once the API listens and the worker started. */
async function start(how: 'script' | 'npm' = 'script'): Promise<StartRun> {
  const prefix = uniquePrefix('start-script');
  prefixes.push(prefix);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST')) env[k] = v;
  Object.assign(env, serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { SHUTDOWN_GRACE_MS: '5000' } }), { NODE_ENV: 'production' });
  const [command, args] = how === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')]];
  const proc = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!(/^api: listening on /m.test(stderr) && logs.some((l) => l.msg === 'worker started'))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, logs, stderr: () => stderr, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends `signal` to the started process alone; the API and the worker must then stop, the worker by its shutdown path. */
async function expectServiceStops(run: StartRun, signal: NodeJS.Signals): Promise<void> {
  const pids = [...new Set(run.logs.map((l) => l.pid).filter((p): p is number => typeof p === 'number'))];
  expect(pids).toHaveLength(2);
  run.proc.kill(signal);
  await run.exited;
  const deadline = Date.now() + 30_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(pids.filter(alive)).toEqual([]);
  const messages = run.logs.map((l) => String(l.msg));
  expect(messages.filter((m) => m.startsWith('worker shutting down'))).toHaveLength(1);
  // One signal each: a second one would have made the worker leave at once, without its grace.
  expect(messages.filter((m) => m.startsWith('second signal'))).toEqual([]);
}

afterAll(async () => {
  const redis = await testRedis();
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('npm start', () => {
  it('gives the API and the worker one SIGTERM each when its process group gets one, and both stop gracefully', async () => {
    const run = await start();
    process.kill(-run.proc.pid!, 'SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const messages = run.logs.map((l) => String(l.msg));
    expect(messages.filter((m) => m.startsWith('worker shutting down'))).toHaveLength(1);
    expect(messages.filter((m) => m === 'api shutting down')).toHaveLength(1);
    expect(messages.filter((m) => m.startsWith('second signal'))).toEqual([]);
    // Each stopped by its own handler (exit code 0), not by a second signal's default action.
    expect(run.stderr()).toMatch(/^start: api stopped \(0\)$/m);
    expect(run.stderr()).toMatch(/^start: worker stopped \(0\)$/m);
  }, 90_000);

  it('leaves no child running when the script itself is killed outright', async () => {
    await expectServiceStops(await start(), 'SIGKILL');
  }, 90_000);
});

describe('npm start, signalled through npm itself', () => {
  // npm passes a SIGTERM to the shell running the script, and dash dies of it without passing it on;
  // a SIGKILL reaches nobody else. Either way the script must notice and stop the service.
  it.each(['SIGTERM', 'SIGKILL'] as const)('stops the API and the worker when only the npm process gets %s', async (signal) => {
    await expectServiceStops(await start('npm'), signal);
  }, 90_000);
});

describe('npm start: which Redis it says it uses', () => {
  /** Runs `npm start` with `extra` in the environment until its first `start: using` line, then stops it. */
  async function firstWords(extra: Record<string, string>): Promise<string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST') && !k.startsWith('REDIS_')) env[k] = v;
    Object.assign(env, { API_KEYS: 'dev:operator:start-script-secret-0001', PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'production' }, extra);
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + 30_000;
    while (!/^start: (using|no Redis)/m.test(stderr) && Date.now() < deadline && proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    process.kill(-proc.pid!, 'SIGTERM');
    await exited;
    return stderr;
  }

  it('names the cluster of REDIS_CLUSTER_NODES (without credentials), not localhost:6379', async () => {
    const said = await firstWords({ REDIS_CLUSTER_NODES: 'redis://user:hunter2@127.0.0.1:1,127.0.0.1:2', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(said).toMatch(/^start: using the Redis Cluster of REDIS_CLUSTER_NODES \(seed nodes redis:\/\/127\.0\.0\.1:1, redis:\/\/127\.0\.0\.1:2\)$/m);
    expect(said).not.toMatch(/localhost:6379|hunter2/);
  }, 60_000);

  it('names the host of REDIS_URL, without its password', async () => {
    const said = await firstWords({ REDIS_URL: 'redis://:hunter2@127.0.0.1:1/3' });
    expect(said).toMatch(/^start: using REDIS_URL \(redis:\/\/127\.0\.0\.1:1\/3\)$/m);
    expect(said).not.toMatch(/hunter2/);
  }, 60_000);
});
