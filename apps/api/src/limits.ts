import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '@defect-candidates/service/config';
import type { RedisClient } from '@defect-candidates/service/redis';
import type { Principal } from '@defect-candidates/service/auth/keys';
import { keys } from '@defect-candidates/service/store/keys';
import { HttpError } from './errors.ts';

/** Direct clients get the tighter limits; the Ouro platform (all its users behind one key) and operators the generous ones. */
export type LimitTier = 'client' | 'platform';

export function tierOf(principal: Principal): LimitTier {
  return principal.role === 'client' ? 'client' : 'platform';
}

/** Most actions `principal` may have queued at once (0: no limit). */
export function queuedLimit(config: Pick<Config, 'queuedLimitClient' | 'queuedLimitPlatform'>, principal: Principal): number {
  return tierOf(principal) === 'client' ? config.queuedLimitClient : config.queuedLimitPlatform;
}

/**
 * The request-rate limit per API key (rate-limiter-flexible's RateLimiterRedis: a fixed window per
 * key, counted by one atomic single-key script, so it holds across every API process sharing the
 * Redis). While Redis cannot be reached the library falls back to a per-process limiter of the
 * same size (its "insurance" limiter): the limit then holds per process instead of failing the
 * request. Answers every limited request with the `RateLimit-*` headers of the IETF draft
 * (draft-ietf-httpapi-ratelimit-headers-07), and a refused one with 429 and `Retry-After`.
 */
export function requestRateLimit(redis: RedisClient, config: Config, logger: Logger): RequestHandler {
  const window = config.rateLimitWindowSeconds;
  const limiterFor = (tier: LimitTier, points: number) =>
    points === 0
      ? null
      : new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: keys(config.keyPrefix).rateLimit(tier),
          points,
          duration: window,
          insuranceLimiter: new RateLimiterMemory({ points, duration: window }),
        });
  const limiters: Record<LimitTier, { limiter: RateLimiterRedis | null; points: number }> = {
    client: { limiter: limiterFor('client', config.rateLimitClient), points: config.rateLimitClient },
    platform: { limiter: limiterFor('platform', config.rateLimitPlatform), points: config.rateLimitPlatform },
  };

  const headers = (res: Response, points: number, state: RateLimiterRes) => {
    res.setHeader('ratelimit-limit', String(points));
    res.setHeader('ratelimit-remaining', String(state.remainingPoints));
    res.setHeader('ratelimit-reset', String(Math.max(0, Math.ceil(state.msBeforeNext / 1000))));
    res.setHeader('ratelimit-policy', `${points};w=${window}`);
  };

  return async (_req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next();
    const { limiter, points } = limiters[tierOf(principal)];
    if (!limiter) return next();
    try {
      headers(res, points, await limiter.consume(principal.name));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        // Neither Redis nor the insurance limiter answered: a bug, not the caller's doing.
        logger.warn({ err: (err as Error)?.message }, 'rate limiter failed; request let through');
        return next();
      }
      headers(res, points, err);
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      next(new HttpError(429, 'rate_limited', `More than ${points} requests in ${window} s with this API key; retry in ${seconds} s`, undefined, { 'retry-after': String(seconds) }));
    }
  };
}
