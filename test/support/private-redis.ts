import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port nothing listens on right now (taken from the kernel and released). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** The data folder (AOF files); the same one on every start. */
  dir: string;
  readonly running: boolean;
  /** Starts (or starts again) the server on the same port and folder; resolves once it answers PING. */
  start(): Promise<void>;
  /** Graceful stop: SIGTERM, which makes redis-server flush its AOF and exit. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its folder. Safe to call more than once. */
  destroy(): Promise<void>;
}

/**
 * A `redis-server` of the test's own, on a spare port, with AOF persistence in a temporary folder,
 * so a test can take Redis away and bring it back with its data, without touching the shared one.
 * `args` go to redis-server as they are (e.g. `--maxmemory 4mb`).
 */
export async function startPrivateRedis(options: { port?: number; args?: string[] } = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await sparePort());
  const dir = mkdtempSync(join(tmpdir(), 'faults-redis-'));
  let proc: ChildProcess | null = null;
  let log = '';

  const start = async () => {
    if (proc) return;
    log = '';
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--daemonize', 'no', ...(options.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc = child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', () => {
      if (proc === child) proc = null;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s: ${log.slice(-1000)}`)), 10_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${port} exited (code ${code}) before it was ready: ${log.slice(-1000)}`));
      });
    });
  };

  const stop = async () => {
    const child = proc;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return proc !== null;
    },
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
