import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';

/**
 * Everything the API and the workers read from the environment, in one table: the README's
 * "Configuration" section is this table, and `loadConfig` refuses a malformed value with a message
 * naming the variable instead of starting with a surprise.
 */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  redisUrl: string;
  redisClusterNodes: string;
  keyPrefix: string;
  apiKeys: string;
  ouroServiceSecret: string;
  allowPrivateUrls: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  maxAtoms: number;
  maxInputAtoms: number;
  hostCheckThreads: number;
  hostCheckTimeoutMs: number;
  heavyJobMs: number;
  lightJobBudgetMs: number;
  rateLimitWindowSeconds: number;
  rateLimitClient: number;
  rateLimitPlatform: number;
  rateLimitView: number;
  queuedLimitClient: number;
  queuedLimitPlatform: number;
  archiveThreads: number;
  actionTtlSeconds: number;
  idempotencyTtlSeconds: number;
  redisTimeoutMs: number;
  workerConcurrency: number;
  workerQueues: string[];
  heavyWorkerConcurrency: number;
  heavyWorkerNice: number;
  workerMemoryMb: number;
  jobTimeoutMs: number;
  jobLockDurationMs: number;
  jobStalledIntervalMs: number;
  jobMaxStalledCount: number;
  jobKeepCompletedSeconds: number;
  jobKeepFailedSeconds: number;
  shutdownGraceMs: number;
  downloadTimeoutMs: number;
  downloadMaxBytes: number;
  downloadAttempts: number;
  downloadRetryDelayMs: number;
  webhookRetryDelaysMs: number[];
  webhookTimeoutMs: number;
  ouroApiKey: string;
  ouroBackendUrl: string;
  viewLinkSecret: string;
  viewLinkTtlSeconds: number;
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  trustProxy: TrustProxy;
}

/**
 * Which proxies' `X-Forwarded-*` headers the API believes, in the forms Express's `trust proxy`
 * setting takes: none or all (boolean), the number of proxy hops in front of the API, or the
 * proxies' addresses and subnets (with Express's names `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = boolean | number | string[];

type Kind = 'int' | 'string' | 'bool' | 'bytes' | 'intList' | 'stringList' | 'trustProxy';

export interface ConfigVariable {
  env: string;
  key: keyof Config;
  kind: Kind;
  /** The default as written in the README; `() => ...` for defaults computed on this machine. */
  default: string | (() => string);
  description: string;
  min?: number;
}

export const CONFIG_VARIABLES: ConfigVariable[] = [
  { env: 'PORT', key: 'port', kind: 'int', default: '8080', min: 0, description: 'HTTP port of the API (0 picks a free port).' },
  { env: 'HOST', key: 'host', kind: 'string', default: '0.0.0.0', description: 'Interface the API listens on.' },
  { env: 'PUBLIC_URL', key: 'publicUrl', kind: 'string', default: '', description: 'Absolute base URL used in `links` (e.g. `https://defects.example.org`); empty gives relative links.' },
  { env: 'REDIS_URL', key: 'redisUrl', kind: 'string', default: 'redis://127.0.0.1:6379', description: 'Redis holding the queues and the action records (`redis://[:password@]host:port[/db]`, `rediss://` for TLS).' },
  { env: 'REDIS_CLUSTER_NODES', key: 'redisClusterNodes', kind: 'string', default: '', description: 'Seed nodes of a Redis Cluster, comma-separated `host:port` or `redis[s]://[user:password@]host:port` (credentials and TLS from the first); when set, REDIS_URL is not used and the queues\' keys carry the hash tag `{KEY_PREFIX}`.' },
  { env: 'KEY_PREFIX', key: 'keyPrefix', kind: 'string', default: 'dc', description: 'Prefix of every Redis key and of the BullMQ queues, so several deployments can share one Redis.' },
  { env: 'API_KEYS', key: 'apiKeys', kind: 'string', default: '', description: 'Comma-separated `name:role:secret[:whsec_...]` entries; role `client` or `operator`; the optional fourth field signs this key\'s direct webhooks.' },
  { env: 'OURO_SERVICE_SECRET', key: 'ouroServiceSecret', kind: 'string', default: '', description: 'Secret the Ouro platform sends as `Authorization: Basic <secret>`; empty refuses platform calls.' },
  { env: 'ALLOW_PRIVATE_URLS', key: 'allowPrivateUrls', kind: 'bool', default: 'false', description: 'Allow downloads and webhooks to loopback, private and link-local addresses (tests, local setups).' },
  { env: 'LOG_LEVEL', key: 'logLevel', kind: 'string', default: 'info', description: 'pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.' },
  { env: 'BODY_LIMIT', key: 'bodyLimitBytes', kind: 'bytes', default: '5mb', min: 1, description: 'Largest request body the API reads (`5mb`, `512kb` or bytes); larger bodies get 413.' },
  { env: 'MAX_ATOMS', key: 'maxAtoms', kind: 'int', default: '1000', min: 1, description: 'Most atoms in a candidate supercell; a request whose supercell would be larger is refused (`invalid_supercell`). The automatic supercell is built from the primitive cell, so an input cell may be larger than this.' },
  { env: 'MAX_INPUT_ATOMS', key: 'maxInputAtoms', kind: 'int', default: '5000', min: 1, description: 'Most atoms in the input cell; a larger structure is refused (`invalid_structure`) before its symmetry is analysed.' },
  { env: 'HOST_CHECK_THREADS', key: 'hostCheckThreads', kind: 'int', default: '2', min: 1, description: 'Threads in which the API reads and sizes inline structures at submission, off its event loop.' },
  { env: 'HOST_CHECK_TIMEOUT_MS', key: 'hostCheckTimeoutMs', kind: 'int', default: '5000', min: 100, description: 'Longest the API spends checking an inline structure at submission (waiting for a thread included); a structure it could not check in time is accepted and checked by the worker.' },
  { env: 'HEAVY_JOB_MS', key: 'heavyJobMs', kind: 'int', default: '1000', min: 1, description: 'A job whose estimated run time is above this (ms; see [Fair scheduling](#fair-scheduling-and-limits)) goes to the `generate-heavy` queue, which only heavy workers take.' },
  { env: 'LIGHT_JOB_BUDGET_MS', key: 'lightJobBudgetMs', kind: 'int', default: '10000', min: 100, description: 'A job on the `generate` queue still running after this long is stopped and moved to `generate-heavy` (an estimate that was wrong; a structure given by URL is estimated, and moved if heavy, as soon as it is downloaded and read).' },
  { env: 'RATE_LIMIT_WINDOW_SECONDS', key: 'rateLimitWindowSeconds', kind: 'int', default: '1', min: 1, description: 'Window of the request limits below (per API key, and per address on the result pages).' },
  { env: 'RATE_LIMIT_CLIENT', key: 'rateLimitClient', kind: 'int', default: '50', min: 0, description: 'Requests per window per `client` API key, across all API processes (counted in Redis); above it, 429 with `Retry-After`. 0: no limit.' },
  { env: 'RATE_LIMIT_PLATFORM', key: 'rateLimitPlatform', kind: 'int', default: '1000', min: 0, description: 'The same for the Ouro platform and `operator` keys. 0: no limit.' },
  { env: 'RATE_LIMIT_VIEW', key: 'rateLimitView', kind: 'int', default: '60', min: 0, description: 'Requests per window to the result pages (`/view/*`, which take no API key) per client address, across all API processes; above it, 429 with `Retry-After`. 0: no limit.' },
  { env: 'QUEUED_LIMIT_CLIENT', key: 'queuedLimitClient', kind: 'int', default: '1000', min: 0, description: 'Most actions a `client` key may have queued (not yet started); a submission above it gets 429. 0: no limit.' },
  { env: 'QUEUED_LIMIT_PLATFORM', key: 'queuedLimitPlatform', kind: 'int', default: '100000', min: 0, description: 'The same for the Ouro platform and `operator` keys. 0: no limit.' },
  { env: 'ARCHIVE_THREADS', key: 'archiveThreads', kind: 'int', default: '1', min: 1, description: 'Threads in which the API builds `archive.zip` downloads (of actions and of batches), off its event loop.' },
  { env: 'ACTION_TTL_SECONDS', key: 'actionTtlSeconds', kind: 'int', default: '604800', min: 60, description: 'How long an action (status, parameters, response) is kept, from its creation: 7 days.' },
  { env: 'IDEMPOTENCY_TTL_SECONDS', key: 'idempotencyTtlSeconds', kind: 'int', default: '86400', min: 1, description: 'How long an `Idempotency-Key` is remembered: 24 hours.' },
  { env: 'REDIS_TIMEOUT_MS', key: 'redisTimeoutMs', kind: 'int', default: '2000', min: 50, description: 'Longest the API waits for Redis before answering 503.' },
  { env: 'WORKER_CONCURRENCY', key: 'workerConcurrency', kind: 'int', default: () => String(availableParallelism()), min: 1, description: 'Jobs one worker process runs at once, each in its own thread (default: the number of cores).' },
  { env: 'WORKER_QUEUES', key: 'workerQueues', kind: 'stringList', default: 'generate,generate-heavy', description: 'Generation queues a worker process takes jobs from: `generate` (light jobs), `generate-heavy`, or both (comma-separated).' },
  { env: 'HEAVY_WORKER_CONCURRENCY', key: 'heavyWorkerConcurrency', kind: 'int', default: '1', min: 1, description: 'Heavy jobs one worker process runs at once (when it takes `generate-heavy`), each in its own thread, beside its WORKER_CONCURRENCY light ones.' },
  { env: 'HEAVY_WORKER_NICE', key: 'heavyWorkerNice', kind: 'int', default: '10', min: 0, description: 'Scheduling priority (`nice`, 0–19) a worker process taking only `generate-heavy` gives itself, so that light workers on the same machine get the CPU first. 0 leaves it alone.' },
  { env: 'WORKER_MEMORY_MB', key: 'workerMemoryMb', kind: 'int', default: '2048', min: 64, description: 'Heap limit of each generation thread; a job above it ends `internal` without taking the process down.' },
  { env: 'JOB_TIMEOUT_MS', key: 'jobTimeoutMs', kind: 'int', default: '600000', min: 100, description: 'A job running longer (download plus generation) is stopped and its action errored with code `timeout`.' },
  { env: 'JOB_LOCK_DURATION_MS', key: 'jobLockDurationMs', kind: 'int', default: '30000', min: 100, description: 'BullMQ lock of a running job; a worker that dies loses its jobs to others after about this long.' },
  { env: 'JOB_STALLED_INTERVAL_MS', key: 'jobStalledIntervalMs', kind: 'int', default: '30000', min: 100, description: 'How often workers look for jobs whose worker died.' },
  { env: 'JOB_MAX_STALLED_COUNT', key: 'jobMaxStalledCount', kind: 'int', default: '3', min: 0, description: 'How many times a job may lose its worker before its action is errored (`internal`).' },
  { env: 'JOB_KEEP_COMPLETED_SECONDS', key: 'jobKeepCompletedSeconds', kind: 'int', default: '3600', min: 0, description: 'Retention of finished BullMQ jobs (the action records live on for ACTION_TTL_SECONDS).' },
  { env: 'JOB_KEEP_FAILED_SECONDS', key: 'jobKeepFailedSeconds', kind: 'int', default: '604800', min: 0, description: 'Retention of failed BullMQ jobs, for inspection.' },
  { env: 'SHUTDOWN_GRACE_MS', key: 'shutdownGraceMs', kind: 'int', default: '20000', min: 0, description: 'On SIGTERM, how long running jobs may finish before they are handed back to the queue.' },
  { env: 'DOWNLOAD_TIMEOUT_MS', key: 'downloadTimeoutMs', kind: 'int', default: '30000', min: 100, description: 'Timeout of one download of `file.url`.' },
  { env: 'DOWNLOAD_MAX_BYTES', key: 'downloadMaxBytes', kind: 'bytes', default: '20mb', min: 1, description: 'Largest structure file a worker downloads, and largest text a compressed one may unpack to.' },
  { env: 'DOWNLOAD_ATTEMPTS', key: 'downloadAttempts', kind: 'int', default: '3', min: 1, description: 'Attempts at a download that fails for a transient reason before the action ends `download_failed`.' },
  { env: 'DOWNLOAD_RETRY_DELAY_MS', key: 'downloadRetryDelayMs', kind: 'int', default: '2000', min: 0, description: 'Delay before the second download attempt; it doubles for each further one.' },
  { env: 'WEBHOOK_RETRY_DELAYS_MS', key: 'webhookRetryDelaysMs', kind: 'intList', default: '0,5000,300000,1800000,7200000,18000000,36000000,50400000,72000000,86400000', description: 'Milliseconds before each webhook delivery attempt (the first is normally 0).' },
  { env: 'WEBHOOK_TIMEOUT_MS', key: 'webhookTimeoutMs', kind: 'int', default: '15000', min: 100, description: 'Timeout of one webhook delivery attempt.' },
  { env: 'OURO_API_KEY', key: 'ouroApiKey', kind: 'string', default: '', description: 'Ouro platform API key, used to post progress logs on long runs; empty disables them.' },
  { env: 'OURO_BACKEND_URL', key: 'ouroBackendUrl', kind: 'string', default: '', description: 'Ouro platform API base URL for those progress logs.' },
  { env: 'VIEW_LINK_SECRET', key: 'viewLinkSecret', kind: 'string', default: '', description: 'Key (at least 32 characters) that signs the result pages\' links (`links.view`); empty: a random key is made once and kept in Redis for every API and worker sharing it.' },
  { env: 'VIEW_LINK_TTL_SECONDS', key: 'viewLinkTtlSeconds', kind: 'int', default: '86400', min: 60, description: 'How long a result page\'s link stays valid from when it is handed out: 24 hours.' },
  { env: 'RECONCILE_INTERVAL_MS', key: 'reconcileIntervalMs', kind: 'int', default: '30000', min: 100, description: 'How often a worker process runs the reconciler, which gives every action and webhook delivery not yet ended whose BullMQ job was lost its job again (one process at a time, under a Redis lock; see [Running the service](#running-the-service)).' },
  { env: 'RECONCILE_GRACE_MS', key: 'reconcileGraceMs', kind: 'int', default: '60000', min: 100, description: 'How long an action or delivery must have gone unseen with a live job before the reconciler acts on it; keep it well above REDIS_TIMEOUT_MS, since a submission writes its record a moment before its job.' },
  { env: 'TRUST_PROXY', key: 'trustProxy', kind: 'trustProxy', default: 'false', description: 'Which proxies\' `X-Forwarded-For` (and `-Proto`, `-Host`) the API believes, as Express\'s `trust proxy` takes it: `false` (none: the client address is the connection\'s), `true` (any: only behind a proxy that overwrites the header), a number of proxy hops in front of the API (`1` for one load balancer), or comma-separated proxy addresses and subnets (`10.0.0.0/8, 192.168.1.5`, or `loopback`, `linklocal`, `uniquelocal`). The client address is what the result pages\' per-address limit counts and what request logs show as `ip`; links are built from `PUBLIC_URL` only, never from these headers.' },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Shortest VIEW_LINK_SECRET accepted: 32 characters, about as many bits as a link's HMAC-SHA256 keeps from guessing. */
const MIN_VIEW_LINK_SECRET = 32;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `5mb`, `512kb`, `1048576`: the sizes people write in env files. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) return null;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]);
}

function parseValue(v: ConfigVariable, raw: string): Config[keyof Config] {
  const fail = (what: string): never => {
    throw new ConfigError(`${v.env}=${JSON.stringify(raw)}: ${what}`);
  };
  switch (v.kind) {
    case 'string':
      return raw;
    case 'bool': {
      const t = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
      return fail('expected true or false');
    }
    case 'int': {
      if (!/^\s*\d+\s*$/.test(raw)) return fail('expected a whole number');
      const n = Number(raw);
      if (v.min !== undefined && n < v.min) fail(`must be at least ${v.min}`);
      return n;
    }
    case 'bytes': {
      const n = parseBytes(raw);
      if (n === null) return fail('expected a size such as 5mb, 512kb or a number of bytes');
      if (v.min !== undefined && n < v.min) fail(`must be at least ${v.min} bytes`);
      return n;
    }
    case 'stringList':
      return raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
    case 'trustProxy':
      return parseTrustProxy(raw, fail);
    case 'intList': {
      const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
      if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) return fail('expected comma-separated milliseconds, e.g. 0,300,300');
      return parts.map(Number);
    }
  }
}

/** Express's names for address ranges (proxy-addr's presets). */
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: `true`/`false`, a hop count, or a list of addresses, subnets (`10.0.0.0/8`,
 * `10.0.0.0/255.0.0.0`, `fd00::/8`) and Express's range names. Each list entry is checked with
 * Node's own address parsing (`net.BlockList`), so that a typo stops the start instead of Express
 * throwing at the first request; `fail` is called with what is wrong.
 */
function parseTrustProxy(raw: string, fail: (what: string) => never): TrustProxy {
  const t = raw.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false' || t === '') return false;
  if (/^\d+$/.test(t)) return Number(t);
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    if (TRUST_PROXY_NAMES.includes(entry)) continue;
    if (!validSubnet(entry)) fail(`"${entry}" is not true, false, a number of hops, an IP address, a subnet (address/bits or address/mask) or one of ${TRUST_PROXY_NAMES.join(', ')}`);
  }
  return entries;
}

function validSubnet(entry: string): boolean {
  const [address, range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // A dotted mask is accepted for IPv4, as Express's proxy-addr does.
  const bits = /^\d+$/.test(range) ? Number(range) : family === 4 && isIP(range) === 4 ? maskBits(range) : -1;
  try {
    new BlockList().addSubnet(address, bits, type);
    return true;
  } catch {
    return false;
  }
}

/** The prefix length of a dotted IPv4 mask (`255.255.0.0` → 16); -1 when its ones are not contiguous. */
function maskBits(mask: string): number {
  const n = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const bits = n.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : -1;
}

export function defaultText(v: ConfigVariable): string {
  return typeof v.default === 'function' ? v.default() : v.default;
}

/**
 * Reads the configuration from `env` (the process environment by default); `overrides` wins over
 * both, which is how tests start an API on port 0 with their own prefix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config = {} as Record<keyof Config, unknown>;
  for (const v of CONFIG_VARIABLES) {
    const raw = env[v.env];
    config[v.key] = parseValue(v, raw === undefined || (raw === '' && v.kind !== 'string') ? defaultText(v) : raw);
  }
  const result = { ...(config as unknown as Config), ...overrides };
  if (!/^[A-Za-z0-9_.-]+$/.test(result.keyPrefix)) {
    throw new ConfigError(`KEY_PREFIX=${JSON.stringify(result.keyPrefix)}: use letters, digits, '.', '_' or '-'`);
  }
  const queues = ['generate', 'generate-heavy'];
  if (result.workerQueues.length === 0 || result.workerQueues.some((q) => !queues.includes(q))) {
    throw new ConfigError(`WORKER_QUEUES=${JSON.stringify(result.workerQueues.join(','))}: use generate, generate-heavy or both, comma-separated`);
  }
  if (result.redisClusterNodes !== '') parseClusterNodes(result.redisClusterNodes);
  if (result.viewLinkSecret !== '' && result.viewLinkSecret.length < MIN_VIEW_LINK_SECRET) {
    throw new ConfigError(`VIEW_LINK_SECRET: ${result.viewLinkSecret.length} characters is too short to sign links; use at least ${MIN_VIEW_LINK_SECRET} (e.g. \`openssl rand -base64 32\`)`);
  }
  return result;
}

/** Where a Redis Cluster is: its seed nodes, and what every node shares (credentials, TLS). */
export interface ClusterSeeds {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * REDIS_CLUSTER_NODES: `host:port` or `redis[s]://[user:password@]host:port` entries, comma-separated.
 * Throws ConfigError naming the entry that is neither.
 */
export function parseClusterNodes(text: string): ClusterSeeds {
  const seeds: ClusterSeeds = { nodes: [], tls: false };
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new ConfigError(`REDIS_CLUSTER_NODES=${JSON.stringify(text)}: expected host:port entries, comma-separated`);
  for (const [i, entry] of entries.entries()) {
    let url: URL;
    try {
      url = new URL(/^rediss?:\/\//i.test(entry) ? entry : `redis://${entry}`);
    } catch {
      throw new ConfigError(`REDIS_CLUSTER_NODES: entry ${i + 1} is not host:port or a redis:// URL`);
    }
    const port = Number(url.port || 6379);
    if (!/^rediss?:$/.test(url.protocol) || url.hostname === '' || !Number.isInteger(port) || (url.pathname !== '' && url.pathname !== '/')) {
      throw new ConfigError(`REDIS_CLUSTER_NODES: entry ${i + 1} is not host:port or a redis:// URL`);
    }
    seeds.nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    if (i === 0) {
      seeds.tls = url.protocol === 'rediss:';
      if (url.username) seeds.username = decodeURIComponent(url.username);
      if (url.password) seeds.password = decodeURIComponent(url.password);
    }
  }
  return seeds;
}

/** The Redis URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username && u.password === '') u.username = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
