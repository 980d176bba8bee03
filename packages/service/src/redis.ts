import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { parseClusterNodes, redactUrl, type Config } from './config.ts';

/** A connection to one Redis, or to a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

/** Whether `redis` is ioredis's Cluster client (REDIS_CLUSTER_NODES) rather than one Redis. */
export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}

/** Where the service's Redis is, for logs and error messages (no password). */
export function describeRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>): string {
  if (config.redisClusterNodes === '') return redactUrl(config.redisUrl);
  return `cluster ${parseClusterNodes(config.redisClusterNodes).nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/**
 * Three kinds of connection, because their failure modes differ:
 * - `command` (API requests, store writes from the API): never queue commands while Redis is
 *   away, give up after `redisTimeoutMs`, and never send a cut-off command again after
 *   reconnecting, so an HTTP request turns into a 503 instead of hanging, and a 503 does not
 *   take effect later.
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
      // A command cut off by a lost connection has already failed its request (503, by
      // commandTimeout); sent again after reconnecting it would still take effect, e.g. queue the
      // job of a submission whose client was told to retry. What was written before it stays
      // behind for the reconciler, which is the one place that mends it.
      autoResendUnfulfilledCommands: false,
    };
  }
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: true };
}

/**
 * ioredis's Cluster client with the same roles: its nodes get the role's options, and while the
 * cluster is failing over (a master lost, its replica promoted) a command is redirected or retried
 * every 200 ms, within the role's limits. Slots are looked up again on every MOVED answer.
 */
function createCluster(config: Pick<Config, 'redisClusterNodes' | 'redisTimeoutMs'>, role: ConnectionRole, name: string): Cluster {
  const seeds = parseClusterNodes(config.redisClusterNodes);
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = redisOptions(config, role, name);
  return new Cluster(seeds.nodes, {
    redisOptions: {
      ...nodeOptions,
      ...(seeds.username ? { username: seeds.username } : {}),
      ...(seeds.password ? { password: seeds.password } : {}),
      ...(seeds.tls ? { tls: {} } : {}),
    },
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: enableOfflineQueue ?? true,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: Math.max(config.redisTimeoutMs, 1000),
    // Managed clusters announce node addresses that TLS certificates name: connect to those names.
    ...(seeds.tls ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
  });
}

/** A connection for `role`: to REDIS_CLUSTER_NODES with ioredis's Cluster client when set, else to REDIS_URL. */
export function createRedis(
  config: Pick<Config, 'redisUrl' | 'redisTimeoutMs'> & Partial<Pick<Config, 'redisClusterNodes'>>,
  role: ConnectionRole,
  name: string,
  logger?: Logger,
): RedisClient {
  const nodes = config.redisClusterNodes ?? '';
  const redis: RedisClient = nodes ? createCluster({ ...config, redisClusterNodes: nodes }, role, name) : new Redis(config.redisUrl, redisOptions(config, role, name));
  const where = describeRedis({ redisUrl: config.redisUrl, redisClusterNodes: nodes });
  let lastError = '';
  const onError = (err: Error) => {
    // ioredis repeats the same error on every reconnection attempt: log each distinct one once.
    if (err.message !== lastError) {
      lastError = err.message;
      logger?.warn({ err: err.message, redis: where, connection: name }, 'redis connection error');
    }
  };
  redis.on('error', onError);
  redis.on('node error', onError);
  redis.on('ready', () => {
    if (lastError) logger?.info({ redis: where, connection: name }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/**
 * Sends commands on unrelated keys together: one pipeline on a single Redis; on a cluster, where a
 * pipeline must stay within one node, as concurrent commands (each routed to its key's node).
 * `add` queues the commands on the commander it is given; the replies come back in order, and the
 * first error is thrown.
 */
export async function sendTogether(redis: RedisClient, add: (commands: ChainableCommander) => void): Promise<unknown[]> {
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    add(pipeline);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  }
  const calls: Promise<unknown>[] = [];
  const recorder: ChainableCommander = new Proxy({} as ChainableCommander, {
    get: (_target, command: string) =>
      (...args: unknown[]) => {
        calls.push((redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[command](...args));
        return recorder;
      },
  });
  add(recorder);
  return Promise.all(calls);
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs` with a message naming the server. */
export async function waitForRedis(redis: RedisClient, where: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis at ${where} did not answer within ${timeoutMs} ms`));
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
export async function checkEvictionPolicy(redis: RedisClient, logger: Logger): Promise<string | null> {
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
  return isRedisOutOfMemory(err) || /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Command timed out|MaxRetriesPerRequest|did not answer within|LOADING|Stream isn't writeable|READONLY|MISCONF|CLUSTERDOWN|TRYAGAIN|Too many Cluster redirections|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available/i.test(text);
}
