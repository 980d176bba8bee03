#!/usr/bin/env node
// `npm start`: the API and one worker, with a Redis found by this rule:
//   0. REDIS_CLUSTER_NODES, when set (a Redis Cluster; REDIS_URL is then not used);
//   1. REDIS_URL, when set;
//   2. else a Redis answering on localhost:6379;
//   3. else a private `redis-server` from PATH, started here in a temporary folder and stopped on exit;
//   4. else a message saying how to get one.
// Without API_KEYS (and without OURO_SERVICE_SECRET) a development operator key is made up and printed.
//
// Signals: the children run in process groups of their own, so a Ctrl-C in the terminal or a SIGTERM
// to this script's group reaches this script alone, which gives the API and the worker exactly one
// SIGTERM each (their shutdown grace), waits for them, and stops the private Redis last (the worker
// still writes its results while it finishes). A second Ctrl-C passes a second SIGTERM on: the
// worker then exits at once. Should this script die without passing anything on (SIGKILL), the
// children see its IPC channel close and stop as on SIGTERM (scripts/exit-with-parent.mjs).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A process group of its own for each child (see above); Windows has no process groups, and detaching there opens a console. */
const ownGroup = process.platform !== 'win32';
const say = (text) => process.stderr.write(`start: ${text}\n`);

/** True when something at host:port answers PING like a Redis (any RESP reply counts). */
function redisAnswers(host, port, timeoutMs = 500) {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => finish(/^[+-]/.test(data.toString('latin1'))));
  });
}

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const children = [];
let privateRedis = null;

async function startPrivateRedis(binary) {
  const dir = mkdtempSync(join(tmpdir(), 'defect-candidates-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: ownGroup },
  );
  privateRedis = { child, dir };
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers('127.0.0.1', port, 200)) return `redis://127.0.0.1:${port}`;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${binary} did not start (see its output above)`);
}

/** Stops the private Redis and removes its folder; resolves once both are done. */
function stopPrivateRedis() {
  if (!privateRedis) return Promise.resolve();
  const { child, dir } = privateRedis;
  privateRedis = null;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  if (child.exitCode !== null || child.signalCode !== null) {
    cleanup();
    return Promise.resolve();
  }
  return new Promise((done) => {
    child.once('exit', () => {
      cleanup();
      done();
    });
    child.kill('SIGTERM');
  });
}

/** `scheme://host:port/db` of a Redis URL, without its user name and password. */
function redisWhere(text) {
  try {
    const u = new URL(text.includes('://') ? text : `redis://${text}`);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(a URL that does not parse; the API and the worker will say more)';
  }
}

/**
 * The Redis the children will use, said as it is (without credentials): REDIS_CLUSTER_NODES wins
 * over everything (the API and the worker then ignore REDIS_URL), so it is neither looked for on
 * localhost nor started here. Returns the REDIS_URL to give the children, or null to leave it.
 */
async function resolveRedis() {
  if (process.env.REDIS_CLUSTER_NODES) {
    const nodes = process.env.REDIS_CLUSTER_NODES.split(',').map((n) => n.trim()).filter(Boolean);
    say(`using the Redis Cluster of REDIS_CLUSTER_NODES (seed nodes ${nodes.map(redisWhere).join(', ')})`);
    return null;
  }
  if (process.env.REDIS_URL) {
    say(`using REDIS_URL (${redisWhere(process.env.REDIS_URL)})`);
    return process.env.REDIS_URL;
  }
  if (await redisAnswers('127.0.0.1', 6379)) {
    say('using the Redis on localhost:6379');
    return 'redis://127.0.0.1:6379';
  }
  const binary = findOnPath('redis-server');
  if (binary) {
    const url = await startPrivateRedis(binary);
    say(`no Redis on localhost:6379: started ${binary} at ${url} (data in a temporary folder, removed on exit)`);
    return url;
  }
  say(
    'no Redis found. Either set REDIS_URL=redis://host:port, or run one on localhost:6379 ' +
      '(`docker run -d -p 6379:6379 redis:7 --appendonly yes --maxmemory-policy noeviction`), ' +
      'or install redis-server (`apt-get install redis-server`, `brew install redis`) so this script can start it.',
  );
  process.exit(1);
}

function run(name, entry, env) {
  const child = spawn(process.execPath, ['--import', join(root, 'scripts', 'exit-with-parent.mjs'), '--import', 'tsx', join(root, entry)], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: ownGroup,
  });
  children.push({ name, child });
  child.on('exit', (code, signal) => {
    if (shuttingDown) say(`${name} stopped (${code ?? signal})`);
    else {
      say(`${name} exited (${code ?? signal}); stopping`);
      void shutdown(code ?? 1);
    }
  });
  return child;
}

const running = (child) => child.exitCode === null && child.signalCode === null;

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) {
    // Asked again while the children finish: pass it on, the worker then stops at once.
    for (const { child } of children) if (running(child)) child.kill('SIGTERM');
    return;
  }
  shuttingDown = true;
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((done) => {
          if (!running(child)) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
    ),
  );
  await stopPrivateRedis();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
// npm runs this script through `sh -c "exec node scripts/start.mjs"`, so npm's forwarded SIGTERM
// lands here; a parent that dies without a word (npm SIGKILLed, or a shell without the exec) leaves
// this script re-parented, which is the only sign it gets: stop as on SIGTERM.
// Once only: a second shutdown() passes a second SIGTERM on, which tells the worker to leave at once.
const parentAtStart = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parentAtStart) return;
  clearInterval(parentWatch);
  void shutdown(0);
}, 500).unref();
// Last resort when the script dies another way: never leave the private Redis running (the
// children stop by themselves when its IPC channel closes).
process.on('exit', () => {
  if (!privateRedis) return;
  privateRedis.child.kill('SIGKILL');
  rmSync(privateRedis.dir, { recursive: true, force: true });
});

const redisUrl = await resolveRedis();
const env = { ...process.env, ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }) };
if (!env.API_KEYS && !env.OURO_SERVICE_SECRET) {
  const secret = randomBytes(18).toString('base64url');
  env.API_KEYS = `dev:operator:${secret}`;
  say(`API_KEYS is not set: this run accepts the development key "${secret}" (operator).`);
  // PORT=0 lets the system choose: the API prints the address it got ("api: listening on …").
  const port = env.PORT === '0' ? '<the port of the "api: listening on" line below>' : (env.PORT ?? 8080);
  say(`  curl -H "Authorization: Bearer ${secret}" http://localhost:${port}/actions`);
}
run('api', 'apps/api/src/main.ts', env);
run('worker', 'apps/worker/src/main.ts', env);
