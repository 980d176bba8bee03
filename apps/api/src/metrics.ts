import type { RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { readJobStats, readWebhookStats } from '@defect-candidates/service/store/stats';
import { WEBHOOKS_QUEUE } from '@defect-candidates/service/queues';
import { failedIndexKey } from '@defect-candidates/service/webhooks/state';
import { readReconciledStats } from '@defect-candidates/service/reconcile/reconciler';
import { withTimeout, type RedisClient } from '@defect-candidates/service/redis';

// BullMQ 6 dropped the 'paused' job state: pausing is a flag on the queue, its jobs stay 'waiting'.
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'] as const;

export interface ApiMetrics {
  registry: Registry;
  httpMiddleware: RequestHandler;
  submissions: Counter<'outcome'>;
  /** Adds a queue to `defect_queue_jobs`, once per name (the webhooks and batches plugins add `webhooks`, which also feeds the pending-deliveries gauge). */
  watchQueue(queue: Queue): void;
}

/** Delivery jobs not yet ended: each is one pending delivery. */
const PENDING_DELIVERY_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;

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
  const queues = [...deps.queues];
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
      for (const queue of queues) {
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

  registry.registerMetric(
    externalMetric('defect_webhook_deliveries_total', 'Webhook deliveries that ended, by outcome (delivered, or failed after the last attempt or a refusal), over all workers.', 'counter', async () => {
      const { outcomes } = await readWebhookStats(deps.redis, deps.prefix);
      return Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value }));
    }, deps.timeoutMs),
  );
  registry.registerMetric(
    externalMetric('defect_webhook_delivery_attempts', 'Attempts each ended webhook delivery took.', 'histogram', async () => {
      const { attempts } = await readWebhookStats(deps.redis, deps.prefix);
      return [
        ...attempts.buckets.map((b) => ({ metricName: 'defect_webhook_delivery_attempts_bucket', labels: { le: b.le }, value: b.count })),
        { metricName: 'defect_webhook_delivery_attempts_sum', value: attempts.sum },
        { metricName: 'defect_webhook_delivery_attempts_count', value: attempts.count },
      ];
    }, deps.timeoutMs),
  );
  registry.registerMetric(
    externalMetric('defect_webhook_deliveries_pending', 'Webhook deliveries not yet ended (jobs waiting, delayed until their next attempt, or running).', 'gauge', async () => {
      const queue = queues.find((q) => q.name === WEBHOOKS_QUEUE);
      if (!queue) return [];
      const counts = await queue.getJobCounts(...PENDING_DELIVERY_STATES);
      return [{ value: PENDING_DELIVERY_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0) }];
    }, deps.timeoutMs),
  );
  registry.registerMetric(
    externalMetric('defect_webhook_deliveries_failed', 'Webhook deliveries (actions\' messages and batches\' batch.completed) failed for good and not retried since (GET /webhooks/failed lists them).', 'gauge', async () => [
      { value: await deps.redis.zcard(failedIndexKey(deps.prefix)) },
    ], deps.timeoutMs),
  );

  registry.registerMetric(
    externalMetric(
      'defect_reconciled_total',
      'Work the reconciler found without a live BullMQ job and mended, by kind: requeued (an action given its job again), ended (an action that could not be, ended error), mended (a finished action whose webhook or batch count was set in motion again), delivery_requeued, delivery_failed.',
      'counter',
      async () => Object.entries(await readReconciledStats(deps.redis, deps.prefix)).map(([kind, value]) => ({ labels: { kind }, value })),
      deps.timeoutMs,
    ),
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

  return {
    registry,
    httpMiddleware,
    submissions,
    watchQueue(queue) {
      // Plugins may each hold a handle on the same queue (webhooks and batches both deliver on
      // `webhooks`): one handle per name, or its series would be counted twice.
      if (!queues.some((q) => q.name === queue.name)) queues.push(queue);
    },
  };
}
