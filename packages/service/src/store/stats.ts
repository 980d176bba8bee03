import type { RedisClient } from '../redis.ts';
import { DURATION_BUCKETS_SECONDS } from './actions.ts';
import { keys } from './keys.ts';

export interface JobStats {
  outcomes: { status: string; code: string; count: number }[];
  /** Cumulative counts per upper bound, as Prometheus histograms want them. */
  durations: { buckets: { le: string; count: number }[]; count: number; sum: number };
}

/**
 * Outcomes and processing times of every finished action, summed over all workers: the store
 * records them in Redis at the moment an action ends (once per action), the API's /metrics reads them.
 */
export async function readJobStats(redis: RedisClient, prefix: string): Promise<JobStats> {
  const k = keys(prefix);
  const [outcomes, durations] = await Promise.all([redis.hgetall(k.statsOutcomes), redis.hgetall(k.statsDurations)]);
  const outcomeList = Object.entries(outcomes).map(([field, count]) => {
    const [status, code] = field.split('|');
    return { status, code: code ?? '', count: Number(count) };
  });
  let running = 0;
  const buckets = [...DURATION_BUCKETS_SECONDS.map(String), '+Inf'].map((le) => {
    running += Number(durations[le] ?? 0);
    return { le, count: running };
  });
  return {
    outcomes: outcomeList,
    durations: { buckets, count: Number(durations.count ?? 0), sum: Number(durations.sum ?? 0) },
  };
}

/** Upper bounds of the attempts-per-delivery histogram (the default schedule makes at most 10). */
export const DELIVERY_ATTEMPT_BUCKETS = [1, 2, 3, 5, 10, 20];

export type DeliveryOutcome = 'delivered' | 'failed';

/**
 * Records a webhook delivery that ended (`delivered`, or `failed` for good) after `attempts`
 * attempts, in Redis, so that /metrics shows every worker's deliveries. One hash, one MULTI.
 */
export async function recordDeliveryOutcome(redis: RedisClient, prefix: string, outcome: DeliveryOutcome, attempts: number): Promise<void> {
  const le = DELIVERY_ATTEMPT_BUCKETS.find((b) => attempts <= b);
  const key = keys(prefix).statsWebhooks;
  await redis
    .multi()
    .hincrby(key, outcome, 1)
    .hincrby(key, `attempts_le:${le ?? '+Inf'}`, 1)
    .hincrby(key, 'attempts_count', 1)
    .hincrby(key, 'attempts_sum', attempts)
    .exec();
}

export interface WebhookStats {
  outcomes: Record<DeliveryOutcome, number>;
  /** Cumulative counts per upper bound, as Prometheus histograms want them. */
  attempts: { buckets: { le: string; count: number }[]; count: number; sum: number };
}

export async function readWebhookStats(redis: RedisClient, prefix: string): Promise<WebhookStats> {
  const raw = await redis.hgetall(keys(prefix).statsWebhooks);
  let running = 0;
  const buckets = [...DELIVERY_ATTEMPT_BUCKETS.map(String), '+Inf'].map((le) => {
    running += Number(raw[`attempts_le:${le}`] ?? 0);
    return { le, count: running };
  });
  return {
    outcomes: { delivered: Number(raw.delivered ?? 0), failed: Number(raw.failed ?? 0) },
    attempts: { buckets, count: Number(raw.attempts_count ?? 0), sum: Number(raw.attempts_sum ?? 0) },
  };
}
