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
  // the probe.
  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(ctx.redis.set(probeKey, String(Date.now()), 'PX', 60_000), ctx.config.redisTimeoutMs, 'Redis');
      if (!ctx.hostChecker.isWarm) return unavailable(res, 'warming_up', 'The structure-check threads are still loading the core; ready in a moment');
      res.json({ status: 'ready' });
    } catch (err) {
      const message = (err as Error).message;
      if (isRedisOutOfMemory(err)) {
        return unavailable(res, 'redis_out_of_memory', `Redis at ${describeRedis(ctx.config)} is full and refuses writes (maxmemory reached, noeviction): ${message}`);
      }
      unavailable(res, 'redis_unavailable', `Redis at ${describeRedis(ctx.config)} is not answering: ${message}`);
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
