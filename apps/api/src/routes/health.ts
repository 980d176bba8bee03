import { Router, type Response } from 'express';
import { describeRedis, isRedisOutOfMemory, withTimeout } from '@defect-candidates/service/redis';
import { keys } from '@defect-candidates/service/store/keys';
import type { ApiContext } from '../context.ts';

export function healthRoutes(ctx: ApiContext, openapi: () => Record<string, unknown>): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const probeKey = keys(ctx.config.keyPrefix).readyProbe;
  const unavailable = (res: Response, code: string, message: string) => {
    res.status(503).setHeader('retry-after', '2');
    res.json({ status: 'unavailable', error: { code, message } });
  };

  // Ready when the check threads are warm and Redis accepts a write (it still answers PING, and
  // reads, when it is out of memory and refuses writes). Bounded: a Redis that hangs must not hang
  // the probe. The answer is public: it gives the status and a code, never where Redis is or its
  // error text (host names, addresses); those go to the log.
  let lastLogged = '';
  router.get('/readyz', async (req, res) => {
    try {
      await withTimeout(ctx.redis.set(probeKey, String(Date.now()), 'PX', 60_000), ctx.config.redisTimeoutMs, 'Redis');
      lastLogged = '';
      if (!ctx.isWarm()) return unavailable(res, 'warming_up', 'The API is still loading the core and warming its checks; ready in a moment');
      res.json({ status: 'ready' });
    } catch (err) {
      const message = (err as Error).message;
      const oom = isRedisOutOfMemory(err);
      // Probes come every few seconds: each distinct failure is logged once.
      if (message !== lastLogged) {
        lastLogged = message;
        req.log?.warn({ err: message, redis: describeRedis(ctx.config) }, 'readiness probe failed');
      }
      if (oom) return unavailable(res, 'redis_out_of_memory', 'Redis is full and refuses writes (maxmemory reached, noeviction)');
      unavailable(res, 'redis_unavailable', 'Redis is not answering');
    }
  });

  router.get('/metrics', async (_req, res) => {
    const body = await ctx.metrics.registry.metrics();
    res.setHeader('content-type', ctx.metrics.registry.contentType);
    res.send(body);
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi());
  });

  return router;
}
