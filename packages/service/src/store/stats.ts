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
