import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl, type Config } from './config.ts';

/**
 * Three kinds of connection, because their failure modes differ:
 * - `command` (API requests, store writes from the API): never queue commands while Redis is
 *   away and give up after `redisTimeoutMs`, so an HTTP request turns into a 503 instead of hanging.
 * - `worker` (BullMQ workers, queue events, the worker's store): BullMQ requires
 *   `maxRetriesPerRequest: null` for blocking commands; a worker simply waits for Redis to return.
 * Both reconnect forever with a capped backoff.
 */
export type ConnectionRole = 'command' | 'worker';

export function redisOptions(config: Pick<Config, 'redisTimeoutMs'>, role: ConnectionRole, name: string): RedisOptions {
  const common: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    connectTimeout: Math.max(config.redisTimeoutMs, 1000),
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
  if (role === 'command') {
    return {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: config.redisTimeoutMs,
    };
  }
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
}

export function createRedis(
  config: Pick<Config, 'redisUrl' | 'redisTimeoutMs'>,
  role: ConnectionRole,
  name: string,
  logger?: Logger,
): Redis {
  const redis = new Redis(config.redisUrl, redisOptions(config, role, name));
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnection attempt: log each distinct one once.
    if (err.message !== lastError) {
      lastError = err.message;
      logger?.warn({ err: err.message, redis: redactUrl(config.redisUrl), connection: name }, 'redis connection error');
    }
  });
  redis.on('ready', () => {
    if (lastError) logger?.info({ redis: redactUrl(config.redisUrl), connection: name }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs` with a message naming the server. */
export async function waitForRedis(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis at ${redactUrl(url)} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Redis evicting keys would silently lose queued jobs and action records: say so loudly at start.
 * Returns the policy (or null when Redis refuses CONFIG, as managed services do).
 */
export async function checkEvictionPolicy(redis: Redis, logger: Logger): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? null;
    if (policy !== 'noeviction') {
      logger.warn(
        { maxmemory_policy: policy },
        `Redis maxmemory-policy is "${policy}": set it to "noeviction" or Redis may evict queued jobs and actions under memory pressure`,
      );
    }
    return policy;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not read Redis maxmemory-policy (CONFIG GET refused); make sure it is "noeviction"');
    return null;
  }
}

/** Redis refusing a write because it reached `maxmemory` under `noeviction` ("OOM command not allowed ..."). */
export function isRedisOutOfMemory(err: unknown): boolean {
  return err instanceof Error && /\bOOM command not allowed/.test(err.message);
}

/**
 * Errors that mean "Redis cannot serve this right now" rather than a bug: the API answers 503 for
 * these. A full Redis (OOM) is one: it takes writes again once memory is freed or raised.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const text = `${err.name} ${err.message}`;
  return isRedisOutOfMemory(err) || /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Command timed out|MaxRetriesPerRequest|did not answer within|LOADING|Stream isn't writeable|READONLY|MISCONF/i.test(text);
}
