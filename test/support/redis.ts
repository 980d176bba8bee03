import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '@defect-candidates/service/redis';

/**
 * Which Redis the integration tests use: REDIS_URL when set; else a Testcontainers Redis when a
 * Docker engine answers (started once per test process); else redis://127.0.0.1:6379.
 * Tests share the server and stay apart through their key prefix (`uniquePrefix`).
 */
let resolved: Promise<string> | null = null;
let stopContainer: (() => Promise<void>) | null = null;

function dockerMayAnswer(): boolean {
  if (process.env.DOCKER_HOST) return true;
  return ['/var/run/docker.sock', `${process.env.HOME ?? ''}/.docker/run/docker.sock`].some((p) => p && existsSync(p));
}

async function startContainer(): Promise<string | null> {
  if (!dockerMayAnswer()) return null;
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').withCommand(['redis-server', '--maxmemory-policy', 'noeviction']).start();
    stopContainer = async () => {
      await container.stop();
    };
    return container.getConnectionUrl();
  } catch {
    return null;
  }
}

export function redisUrl(): Promise<string> {
  resolved ??= (async () => process.env.REDIS_URL ?? (await startContainer()) ?? 'redis://127.0.0.1:6379')();
  return resolved;
}

/** Stops the Testcontainers Redis if this process started one. */
export async function stopTestRedis(): Promise<void> {
  await stopContainer?.();
  stopContainer = null;
  resolved = null;
}

/** A key prefix no other test file (or run) uses: `t-<name>-<random>`. */
export function uniquePrefix(name: string): string {
  return `t-${name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
}

/** A plain connection for assertions and cleanup. */
export async function testRedis(): Promise<Redis> {
  const redis = new Redis(await redisUrl(), { maxRetriesPerRequest: 3, lazyConnect: false });
  return redis;
}

/**
 * Deletes every key under `prefix:` (the test's actions, idempotency keys and BullMQ queues), and
 * under `{prefix}:` (the queues on a Redis Cluster), on every master of a cluster.
 */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<void> {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (found.length === 0) continue;
        // On a cluster, keys of different slots cannot share one DEL.
        if (isCluster(redis)) await Promise.all(found.map((key) => node.del(key)));
        else await node.del(...found);
      } while (cursor !== '0');
    }
  }
}
