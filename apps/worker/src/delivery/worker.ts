import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '@defect-candidates/service/config';
import { createRedis } from '@defect-candidates/service/redis';
import { ApiKeyring } from '@defect-candidates/service/auth/keys';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { WEBHOOKS_QUEUE } from '@defect-candidates/service/queues';
import { createSafeHttp } from '@defect-candidates/service/net/http';
import { attemptDelivery, type Deliverer } from '@defect-candidates/service/webhooks/deliver';
import { DELIVERY_BACKOFF, type DeliveryJobData } from '@defect-candidates/service/webhooks/queue';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import { ViewLinks } from '@defect-candidates/service/view-links';
import { DeliveryLedger, type DeliveryState } from '@defect-candidates/service/webhooks/state';

/** Thrown to let BullMQ schedule the next attempt; carries the wait already recorded on the action. */
export class DeliveryRetry extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'DeliveryRetry';
  }
}

export interface DeliveryWorkerOptions {
  config: Config;
  logger: Logger;
  /** A `worker`-role connection (maxRetriesPerRequest null); one is created (and closed) when absent. */
  connection?: Redis;
  /** Deliveries in flight at once; they wait on the network, not the CPU. */
  concurrency?: number;
}

export interface DeliveryWorker {
  worker: Worker<DeliveryJobData>;
  close(): Promise<void>;
}

export interface DeliveryJobResult {
  action_id: string;
  state: 'delivered' | 'gone';
}

/**
 * The `webhooks` queue's worker: one attempt per job run, recorded on the action; BullMQ attempts
 * and the custom backoff carry the retry schedule (WEBHOOK_RETRY_DELAYS_MS, lengthened by a
 * receiver's Retry-After), and a refusal by the receiver ends the job without further attempts.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { config } = options;
  const logger = options.logger.child({ component: 'webhooks' });
  const connection = options.connection ?? createRedis(config, 'worker', 'webhook-worker', logger);
  const store = new ActionStore(connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds });
  const ledger = new DeliveryLedger(store);
  const schedule = new RetrySchedule(config.webhookRetryDelaysMs);
  const deliverer: Deliverer = {
    store,
    ledger,
    keyring: new ApiKeyring(config.apiKeys, config.ouroServiceSecret),
    http: createSafeHttp({ allowPrivate: config.allowPrivateUrls, timeoutMs: config.webhookTimeoutMs }),
    schedule,
    publicUrl: config.publicUrl,
    viewLinks: new ViewLinks(connection, { secret: config.viewLinkSecret, ttlSeconds: config.viewLinkTtlSeconds, prefix: config.keyPrefix, publicUrl: config.publicUrl }),
  };

  const processor = async (job: Job<DeliveryJobData>): Promise<DeliveryJobResult> => {
    const actionId = job.data.action_id;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const report = await attemptDelivery(deliverer, actionId, job.attemptsMade, maxAttempts);
    if (!report) {
      logger.warn({ action_id: actionId }, 'webhook not delivered: the action expired');
      return { action_id: actionId, state: 'gone' };
    }
    const last = report.state.attempts.at(-1);
    const fields = { action_id: actionId, kind: report.state.kind, target: report.state.target, attempt, max_attempts: maxAttempts, status: last?.status, latency_ms: last?.latency_ms };
    if (report.verdict.kind === 'delivered') {
      logger.info(fields, 'webhook delivered');
      return { action_id: actionId, state: 'delivered' };
    }
    if (report.nextDelayMs !== undefined) {
      logger.warn({ ...fields, error: report.verdict.reason, retry_in_ms: report.nextDelayMs }, 'webhook attempt failed; will retry');
      throw new DeliveryRetry(report.verdict.reason, report.nextDelayMs);
    }
    logger.error({ ...fields, error: report.verdict.reason }, 'webhook delivery failed for good');
    throw new UnrecoverableError(report.verdict.reason);
  };

  const worker = new Worker<DeliveryJobData, DeliveryJobResult>(WEBHOOKS_QUEUE, processor, {
    connection,
    prefix: config.keyPrefix,
    concurrency: options.concurrency ?? 16,
    // Same stall detection as generation jobs: a delivery held by a dead worker moves on within seconds, not BullMQ's default 30 s.
    lockDuration: config.jobLockDurationMs,
    stalledInterval: config.jobStalledIntervalMs,
    maxStalledCount: config.jobMaxStalledCount,
    settings: {
      backoffStrategy: (attemptsMade, type, err) => {
        if (type !== DELIVERY_BACKOFF) return 0;
        if (err instanceof DeliveryRetry) return err.delayMs;
        // An attempt that crashed before recording itself: fall back to the plain schedule.
        return schedule.delayAfter(attemptsMade) ?? -1;
      },
    },
  });

  // A job that died with its worker too often fails without the processor writing the outcome.
  worker.on('failed', (job, err) => {
    if (!job) return;
    void (async () => {
      const state = (await ledger.get(job.data.action_id)) as DeliveryState | null;
      if (state?.state !== 'pending' || (await job.getState()) !== 'failed') return;
      const now = new Date().toISOString();
      await ledger.put(job.data.action_id, { ...state, state: 'failed', failed_at: now, next_attempt_at: null, last_error: err.message });
    })().catch((e: unknown) => logger.error({ err: (e as Error).message, action_id: job.data.action_id }, 'could not record a failed delivery'));
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'webhook worker error'));

  return {
    worker,
    async close() {
      await worker.close();
      if (!options.connection) await connection.quit().catch(() => undefined);
    },
  };
}
