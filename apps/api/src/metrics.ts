import type { RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { readJobStats } from '@defect-candidates/service/store/stats';
import { withTimeout, type RedisClient } from '@defect-candidates/service/redis';

// BullMQ 6 dropped the 'paused' job state: pausing is a flag on the queue, its jobs stay 'waiting'.
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'] as const;

export interface ApiMetrics {
  registry: Registry;
  httpMiddleware: RequestHandler;
  submissions: Counter<'outcome'>;
}

/**
 * A metric whose values are read from Redis at scrape time, so that queue depth and job outcomes
 * are the fleet's, not this process's.
 */
function externalMetric(
  name: string,
  help: string,
  type: 'gauge' | 'counter' | 'histogram',
  read: () => Promise<{ labels?: Record<string, string | number>; value: number; metricName?: string }[]>,
  timeoutMs: number,
): Metric {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    // A scrape while Redis is away shows the process metrics and leaves these out, quickly.
    get: async () => ({ name, help, type, aggregator: 'sum', values: await withTimeout(read(), timeoutMs, 'Redis').catch(() => []) }),
  } as unknown as Metric;
}

/** One registry per app instance: tests run several APIs in one process. */
export function createMetrics(deps: { queues: Queue[]; redis: RedisClient; prefix: string; timeoutMs: number }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const submissions = new Counter({
    name: 'defect_submissions_total',
    help: 'Actions submitted to POST /generate-point-defect-candidates and as items of POST /batches, by outcome (accepted, replayed, rejected).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  registry.registerMetric(
    externalMetric('defect_queue_jobs', 'Jobs in each BullMQ queue, by state.', 'gauge', async () => {
      const rows: { labels: Record<string, string>; value: number }[] = [];
      for (const queue of deps.queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) rows.push({ labels: { queue: queue.name, state }, value: counts[state] ?? 0 });
      }
      return rows;
    }, deps.timeoutMs),
  );
  registry.registerMetric(
    externalMetric('defect_actions_finished_total', 'Actions finished by all workers, by status and error code.', 'counter', async () => {
      const stats = await readJobStats(deps.redis, deps.prefix);
      return stats.outcomes.map((o) => ({ labels: { status: o.status, code: o.code }, value: o.count }));
    }, deps.timeoutMs),
  );
  registry.registerMetric(
    externalMetric('defect_job_duration_seconds', 'Time from a worker starting an action to its end, over all workers.', 'histogram', async () => {
      const { durations } = await readJobStats(deps.redis, deps.prefix);
      return [
        ...durations.buckets.map((b) => ({ metricName: 'defect_job_duration_seconds_bucket', labels: { le: b.le }, value: b.count })),
        { metricName: 'defect_job_duration_seconds_sum', value: durations.sum },
        { metricName: 'defect_job_duration_seconds_count', value: durations.count },
      ];
    }, deps.timeoutMs),
  );

  const httpMiddleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };

  return { registry, httpMiddleware, submissions };
}
