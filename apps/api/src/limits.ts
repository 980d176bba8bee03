import type { Request, RequestHandler, Response } from 'express';
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

/** One fixed-window limit: `points` requests per window per caller, counted in Redis under `name`. */
interface WindowLimit {
  limiter: RateLimiterRedis;
  points: number;
}

function windowLimit(redis: RedisClient, config: Config, name: string, points: number): WindowLimit | null {
  if (points === 0) return null;
  const duration = config.rateLimitWindowSeconds;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: keys(config.keyPrefix).rateLimit(name),
    points,
    duration,
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return { limiter, points };
}

/**
 * The middleware of a limit: `pick` says which limit a request counts against and under which
 * caller (null: none). Answers every limited request with the `RateLimit-*` headers of the IETF
 * draft (draft-ietf-httpapi-ratelimit-headers-07), and a refused one with 429 `rate_limited` and
 * `Retry-After`; `who` names the caller in the message.
 */
function limitMiddleware(config: Config, logger: Logger, who: string, pick: (req: Request, res: Response) => { limit: WindowLimit | null; caller: string } | null): RequestHandler {
  const window = config.rateLimitWindowSeconds;
  const headers = (res: Response, points: number, state: RateLimiterRes) => {
    res.setHeader('ratelimit-limit', String(points));
    res.setHeader('ratelimit-remaining', String(state.remainingPoints));
    res.setHeader('ratelimit-reset', String(Math.max(0, Math.ceil(state.msBeforeNext / 1000))));
    res.setHeader('ratelimit-policy', `${points};w=${window}`);
  };
  return async (req, res, next) => {
    const picked = pick(req, res);
    if (!picked?.limit) return next();
    const { limiter, points } = picked.limit;
    try {
      headers(res, points, await limiter.consume(picked.caller));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        // Neither Redis nor the insurance limiter answered: a bug, not the caller's doing.
        logger.warn({ err: (err as Error)?.message }, 'rate limiter failed; request let through');
        return next();
      }
      headers(res, points, err);
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      next(new HttpError(429, 'rate_limited', `More than ${points} requests in ${window} s ${who}; retry in ${seconds} s`, undefined, { 'retry-after': String(seconds) }));
    }
  };
}

/**
 * The request-rate limit per API key (rate-limiter-flexible's RateLimiterRedis: a fixed window per
 * key, counted by one atomic single-key script, so it holds across every API process sharing the
 * Redis). While Redis cannot be reached the library falls back to a per-process limiter of the
 * same size (its "insurance" limiter): the limit then holds per process instead of failing the
 * request. Mount it after authentication.
 */
export function requestRateLimit(redis: RedisClient, config: Config, logger: Logger): RequestHandler {
  const limits: Record<LimitTier, WindowLimit | null> = {
    client: windowLimit(redis, config, 'client', config.rateLimitClient),
    platform: windowLimit(redis, config, 'platform', config.rateLimitPlatform),
  };
  return limitMiddleware(config, logger, 'with this API key', (_req, res) => {
    const principal = res.locals.principal as Principal | undefined;
    return principal ? { limit: limits[tierOf(principal)], caller: principal.name } : null;
  });
}

/**
 * The request-rate limit of the result pages (`/view/*`), which take no API key: per client
 * address (`req.ip`: the connection's address, or the one a proxy trusted by TRUST_PROXY reports in X-Forwarded-For),
 * RATE_LIMIT_VIEW requests per window, counted as the per-key limits are.
 */
export function viewRateLimit(redis: RedisClient, config: Config, logger: Logger): RequestHandler {
  const limit = windowLimit(redis, config, 'view', config.rateLimitView);
  return limitMiddleware(config, logger, 'from this address', (req) => ({ limit, caller: req.ip ?? req.socket.remoteAddress ?? 'unknown' }));
}
