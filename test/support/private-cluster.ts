import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparePort } from './private-redis.ts';

const run = promisify(execFile);

/** One `redis-server` of a private cluster. */
export interface ClusterNodeProcess {
  port: number;
  /** Its cluster bus port (node-to-node gossip and failover votes). */
  busPort: number;
  proc: ChildProcess;
  readonly alive: boolean;
}

export interface PrivateCluster {
  nodes: ClusterNodeProcess[];
  /** REDIS_CLUSTER_NODES for the service: every node, `host:port`, comma-separated. */
  seeds: string;
  /** `redis-cli` against one node: its trimmed output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master now serving the slot of `key`. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL to one node's process; resolves once it is gone. */
  kill(port: number): Promise<void>;
  /**
   * Resolves once the cluster is whole again without `lostPort`: every live node says
   * `cluster_state:ok` and a live node (the promoted replica) serves the slot of `key`, whose port
   * it returns.
   */
  waitForFailover(lostPort: number, key: string, timeoutMs?: number): Promise<number>;
  /** Kills every node still running and deletes the data folders. Safe to call more than once. */
  destroy(): Promise<void>;
}

/** Distinct spare ports: `count` of them. */
async function sparePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await sparePort());
  return [...ports];
}

function startNode(port: number, busPort: number, dir: string): Promise<ClusterNodeProcess> {
  mkdirSync(dir, { recursive: true });
  const proc = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--cluster-enabled', 'yes',
      // The bus port chosen here, not port + 10000, which may be taken or past 65535.
      '--cluster-port', String(busPort),
      '--cluster-config-file', join(dir, 'nodes.conf'),
      // A master silent for 1 s is failed over: the test waits seconds, not the default 15 s.
      '--cluster-node-timeout', '1000',
      '--bind', '127.0.0.1',
      '--protected-mode', 'no',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      // Replicas take their first copy at once instead of after the default 5 s delay.
      '--repl-diskless-sync', 'yes',
      '--repl-diskless-sync-delay', '0',
      '--daemonize', 'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const node: ClusterNodeProcess = {
    port,
    busPort,
    proc,
    get alive() {
      return proc.exitCode === null && proc.signalCode === null;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s: ${log.slice(-1000)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        proc.stderr!.off('data', onData);
        proc.stdout!.resume();
        proc.stderr!.resume();
        resolve(node);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (code ${code}) before it was ready: ${log.slice(-1000)}`));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A Redis Cluster of the test's own: `masters` masters with one replica each, on spare loopback
 * ports chosen now (other test runs share the machine), in a temporary folder, built with
 * `redis-cli --cluster create`. Resolves once every slot is served and every replica has synced.
 */
export async function startPrivateCluster(options: { masters?: number } = {}): Promise<PrivateCluster> {
  const count = 2 * (options.masters ?? 3);
  const root = mkdtempSync(join(tmpdir(), 'cluster-redis-'));
  const nodes: ClusterNodeProcess[] = [];
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout.trim();

  const destroy = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        if (!n.alive) return;
        const exited = new Promise((r) => n.proc.once('exit', r));
        n.proc.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const ports = await sparePorts(2 * count);
    for (let i = 0; i < count; i++) nodes.push(await startNode(ports[2 * i], ports[2 * i + 1], join(root, String(ports[2 * i]))));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await until('the cluster to form', 30_000, async () => {
      for (const n of nodes) {
        if (!/cluster_state:ok/.test(await cli(n.port, 'cluster', 'info'))) return null;
        const replication = await cli(n.port, 'info', 'replication');
        if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return null;
      }
      return true;
    });
  } catch (err) {
    await destroy();
    throw err;
  }

  const livePort = () => nodes.find((n) => n.alive)!.port;
  const masterOf = async (key: string) => {
    const port = livePort();
    const slot = Number(await cli(port, 'cluster', 'keyslot', key));
    const slots = JSON.parse(await cli(port, '--json', 'cluster', 'slots')) as [number, number, [string, number, string]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node serves slot ${slot}`);
    return range[2][1];
  };

  return {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    cli,
    masterOf,
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node?.alive) return;
      const exited = new Promise((r) => node.proc.once('exit', r));
      node.proc.kill('SIGKILL');
      await exited;
    },
    waitForFailover(lostPort, key, timeoutMs = 30_000) {
      return until(`a replica to take over from the master on port ${lostPort}`, timeoutMs, async () => {
        for (const n of nodes.filter((m) => m.alive)) {
          if (!/cluster_state:ok/.test(await cli(n.port, 'cluster', 'info'))) return null;
        }
        const port = await masterOf(key);
        return port !== lostPort && nodes.some((n) => n.alive && n.port === port) ? port : null;
      });
    },
    destroy,
  };
}
