import { Router } from 'express';
import { describeRedis, withTimeout } from '@defect-candidates/service/redis';
import type { ApiContext } from '../context.ts';

export function healthRoutes(ctx: ApiContext, openapi: () => Record<string, unknown>): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Bounded: a Redis that hangs must not hang the probe.
  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(ctx.redis.ping(), ctx.config.redisTimeoutMs, 'Redis');
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).setHeader('retry-after', '2');
      res.json({
        status: 'unavailable',
        error: { code: 'redis_unavailable', message: `Redis at ${describeRedis(ctx.config)} is not answering: ${(err as Error).message}` },
      });
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
