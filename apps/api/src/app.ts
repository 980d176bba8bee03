import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { DestinationStream } from 'pino';
import { loadConfig, type Config } from '@defect-candidates/service/config';
import { createLogger } from '@defect-candidates/service/logger';
import { checkEvictionPolicy, createRedis, describeRedis, waitForRedis } from '@defect-candidates/service/redis';
import { ApiKeyring } from '@defect-candidates/service/auth/keys';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { IdempotencyStore } from '@defect-candidates/service/store/idempotency';
import { HEAVY_QUEUE, createGenerateQueue } from '@defect-candidates/service/queues';
import { FairShare } from '@defect-candidates/service/scheduling/fair-share';
import { authenticate } from './auth.ts';
import { HttpError, errorHandler, unmatchedRoute } from './errors.ts';
import { scanJsonShape } from './json-limits.ts';
import { warmUpApi, warmUpHttp } from './warm-up.ts';
import { createMetrics } from './metrics.ts';
import { HostChecker } from './host-check.ts';
import { ArchiveBuilder } from './archives.ts';
import { requestRateLimit, viewRateLimit } from './limits.ts';
import { buildOpenApi } from './openapi.ts';
import { actionRoutes } from './routes/actions.ts';
import { generateRoutes } from './routes/generate.ts';
import { healthRoutes } from './routes/health.ts';
import { redactViewSignature, viewRoutes } from './routes/view.ts';
import { ViewLinks } from '@defect-candidates/service/view-links';
import type { ApiContext } from './context.ts';

export type { ApiContext } from './context.ts';

/**
 * A feature that mounts its own routes (the webhook endpoints, bull-board). `register` runs after
 * authentication is set up for `/actions` and before the 404 handler; `openapiPaths` joins the
 * published document; `close` runs when the API stops.
 */
export interface ApiPlugin {
  name: string;
  register(app: Express, ctx: ApiContext): void | Promise<void>;
  openapiPaths?: Record<string, unknown>;
  close?(): Promise<void>;
}

const VERSION = '0.1.0';
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export async function createApp(ctx: ApiContext, plugins: ApiPlugin[] = []): Promise<Express> {
  const app = express();
  app.disable('x-powered-by');
  // Only the proxies TRUST_PROXY names may say who the client is (X-Forwarded-For): believing
  // anyone would let a client pick its own address, and with it its per-address limit.
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
      serializers: { req: redactViewSignature },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // The "request completed" line names the caller and the action, like the route's own lines.
      // The client's address as TRUST_PROXY lets Express work it out (`remoteAddress` is the
      // connection's, a proxy's behind one).
      customProps: (req, res) => {
        const locals = (res as unknown as { locals?: Record<string, unknown> }).locals ?? {};
        const caller = (locals.principal as { name?: string } | undefined)?.name;
        const ip = (req as unknown as { ip?: string }).ip;
        return { ...(ip ? { ip } : {}), ...(caller ? { caller } : {}), ...(typeof locals.action_id === 'string' ? { action_id: locals.action_id } : {}) };
      },
    }),
  );
  app.use(ctx.metrics.httpMiddleware);

  let openapiDoc: Record<string, unknown> | null = null;
  const openapi = () =>
    (openapiDoc ??= buildOpenApi({
      publicUrl: ctx.config.publicUrl,
      version: VERSION,
      extraPaths: Object.assign({}, ...plugins.map((p) => p.openapiPaths ?? {})),
    }));
  app.use(healthRoutes(ctx, openapi));
  // Result pages: their signed link is their credential, so they sit outside the API-key check,
  // limited per client address instead of per key.
  app.use('/view', ctx.viewRateLimit);
  app.use(viewRoutes(ctx));

  const auth = authenticate(ctx.keyring);
  app.use('/generate-point-defect-candidates', auth, ctx.rateLimit, jsonBody(ctx.config.bodyLimitBytes));
  app.use('/actions', auth, ctx.rateLimit);
  app.use(generateRoutes(ctx));
  app.use(actionRoutes(ctx));

  for (const plugin of plugins) await plugin.register(app, ctx);

  app.use(unmatchedRoute);
  app.use(errorHandler(ctx.config.bodyLimitBytes));
  return app;
}

/**
 * JSON bodies as RFC 8259 has them: UTF-8 only (body-parser would decode any `utf-*` charset and
 * then fail to parse, a 400 for what is an unsupported encoding), and any JSON value at the top
 * level, so that `null` is refused by the route like any other non-object (422), not by the parser.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const refuseCharset: RequestHandler = (req, _res, next) => {
    const charset = /;\s*charset\s*=\s*"?([^";,\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8') {
      return next(new HttpError(415, 'unsupported_encoding', `charset=${charset} is not supported: send the JSON body as UTF-8`));
    }
    next();
  };
  // The raw (already inflated) bytes are scanned before JSON.parse: a body too deep or holding too
  // many values is refused without parsing it (see json-limits.ts). Thrown from `verify`, the error
  // keeps its status through body-parser.
  const verify = (_req: unknown, _res: unknown, buf: Buffer) => {
    const fault = scanJsonShape(buf);
    if (fault) throw new HttpError(fault.kind === 'depth' ? 400 : 413, fault.kind === 'depth' ? 'json_too_deep' : 'json_too_many_values', fault.message);
  };
  return [refuseCharset, express.json({ limit: limitBytes, strict: false, type: ['application/json', 'application/*+json'], verify })];
}

export interface StartApiOptions {
  /** Configuration; defaults to the environment. */
  config?: Config;
  /** Overrides on top of the environment (tests: port 0, their own key prefix). */
  overrides?: Partial<Config>;
  plugins?: ApiPlugin[];
  /** Where logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

export interface RunningApi {
  url: string;
  port: number;
  server: Server;
  ctx: ApiContext;
  close(): Promise<void>;
}

/** Builds the context, listens, and returns a handle that closes everything it opened. */
export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const config = options.config ?? loadConfig(process.env, options.overrides);
  const logger = createLogger({ level: config.logLevel, name: 'api' }, options.logDestination);
  const keyring = new ApiKeyring(config.apiKeys, config.ouroServiceSecret);
  if (keyring.isEmpty) logger.warn('no API_KEYS and no OURO_SERVICE_SECRET configured: every request will be refused with 401');
  const redis = createRedis(config, 'command', 'api', logger);
  const queue = createGenerateQueue(config, redis);
  const heavyQueue = createGenerateQueue(config, redis, HEAVY_QUEUE);
  for (const q of [queue, heavyQueue]) q.on('error', (err) => logger.warn({ err: err.message, queue: q.name }, 'queue error'));
  let warm = false;
  const ctx: ApiContext = {
    config,
    logger,
    isWarm: () => warm,
    redis,
    keyring,
    queue,
    heavyQueue,
    fairShare: new FairShare(redis, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds }),
    rateLimit: requestRateLimit(redis, config, logger),
    viewRateLimit: viewRateLimit(redis, config, logger),
    store: new ActionStore(redis, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds }),
    idempotency: new IdempotencyStore(redis, { prefix: config.keyPrefix, ttlSeconds: config.idempotencyTtlSeconds }),
    metrics: createMetrics({ queues: [queue, heavyQueue], redis, prefix: config.keyPrefix, timeoutMs: config.redisTimeoutMs }),
    hostChecker: new HostChecker({ maxAtoms: config.maxAtoms, maxInputAtoms: config.maxInputAtoms, threads: config.hostCheckThreads, timeoutMs: config.hostCheckTimeoutMs }),
    archives: new ArchiveBuilder({ threads: config.archiveThreads }),
    viewLinks: new ViewLinks(redis, { secret: config.viewLinkSecret, ttlSeconds: config.viewLinkTtlSeconds, prefix: config.keyPrefix, publicUrl: config.publicUrl }),
  };
  // /readyz answers 503 until the check threads have loaded the core and moyo (cold start) and the
  // main thread has run its own first-request work (warm-up.ts).
  const warmStart = Date.now();
  const threadsWarm = ctx.hostChecker.warm().then(() => logger.info({ ms: Date.now() - warmStart, threads: config.hostCheckThreads }, 'check threads warm'));
  // Commands fail fast while the connection is down (no offline queue): give it a moment to come
  // up so the first requests are not refused, but start anyway (and say so) if Redis is away.
  try {
    await waitForRedis(redis, describeRedis(config), config.redisTimeoutMs);
    await checkEvictionPolicy(redis, logger);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'Redis is not answering yet; the API starts and answers 503 until it does');
  }
  const mainWarm = warmUpApi(ctx)
    .then(() => logger.info({ ms: Date.now() - warmStart }, 'main thread warm'))
    .catch((err: Error) => logger.warn({ err: err.message }, 'main-thread warm-up failed'));
  const plugins = options.plugins ?? [];
  const app = await createApp(ctx, plugins);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Keep-alive longer than common load balancers' idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
  const httpWarm = warmUpHttp(url).catch((err: Error) => logger.warn({ err: err.message }, 'HTTP warm-up failed'));
  void Promise.all([threadsWarm, mainWarm, httpWarm]).then(() => (warm = true));
  logger.info({ port, prefix: config.keyPrefix }, 'api listening');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      for (const plugin of plugins) await plugin.close?.().catch((err: Error) => logger.warn({ err: err.message, plugin: plugin.name }, 'plugin close failed'));
      await ctx.hostChecker.close();
      await ctx.archives.close();
      await queue.close().catch(() => undefined);
      await heavyQueue.close().catch(() => undefined);
      redis.disconnect();
    })());
  return { url, port, server, ctx, close };
}
