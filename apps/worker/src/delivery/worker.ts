import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '@defect-candidates/service/config';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { ApiKeyring } from '@defect-candidates/service/auth/keys';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { BatchStore } from '@defect-candidates/service/store/batches';
import { WEBHOOKS_QUEUE, queuePrefix } from '@defect-candidates/service/queues';
import { createSafeHttp } from '@defect-candidates/service/net/http';
import { attemptDelivery } from '@defect-candidates/service/webhooks/deliver';
import { attemptBatchDelivery, type BatchDeliverer } from '@defect-candidates/service/webhooks/batch';
import { DELIVERY_BACKOFF, type BatchDeliveryJobData, type DeliveryJobData } from '@defect-candidates/service/webhooks/queue';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import { ViewLinks } from '@defect-candidates/service/view-links';
import { DeliveryLedger, type DeliveryState } from '@defect-candidates/service/webhooks/state';
import { recordDeliveryOutcome } from '@defect-candidates/service/store/stats';

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
  connection?: RedisClient;
  /** Deliveries in flight at once; they wait on the network, not the CPU. */
  concurrency?: number;
}

type JobData = DeliveryJobData | BatchDeliveryJobData;

export interface DeliveryWorker {
  worker: Worker<JobData>;
  close(): Promise<void>;
}

export interface DeliveryJobResult {
  action_id?: string;
  /** For `batch.completed`. */
  batch_id?: string;
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
  const batches = new BatchStore(connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds });
  const deliverer: BatchDeliverer = {
    store,
    batches,
    ledger,
    keyring: new ApiKeyring(config.apiKeys, config.ouroServiceSecret),
    http: createSafeHttp({ allowPrivate: config.allowPrivateUrls, timeoutMs: config.webhookTimeoutMs }),
    schedule,
    publicUrl: config.publicUrl,
    viewLinks: new ViewLinks(connection, { secret: config.viewLinkSecret, ttlSeconds: config.viewLinkTtlSeconds, prefix: config.keyPrefix, publicUrl: config.publicUrl }),
  };

  const processor = async (job: Job<JobData>): Promise<DeliveryJobResult> => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const subject = subjectOf(job.data);
    const report =
      'batch_id' in job.data
        ? await attemptBatchDelivery(deliverer, job.data.batch_id, job.attemptsMade, maxAttempts)
        : await attemptDelivery(deliverer, job.data.action_id, job.attemptsMade, maxAttempts);
    if (!report) {
      logger.warn(subject.fields, `webhook not delivered: the ${subject.what} expired`);
      return { ...subject.fields, state: 'gone' };
    }
    const last = report.state.attempts.at(-1);
    const fields = { ...subject.fields, kind: report.state.kind, target: report.state.target, attempt, max_attempts: maxAttempts, status: last?.status, latency_ms: last?.latency_ms };
    if (report.verdict.kind === 'delivered') {
      logger.info(fields, 'webhook delivered');
      return { ...subject.fields, state: 'delivered' };
    }
    if (report.nextDelayMs !== undefined) {
      logger.warn({ ...fields, error: report.verdict.reason, retry_in_ms: report.nextDelayMs }, 'webhook attempt failed; will retry');
      // What the dashboard shows: the action's own schedule (BullMQ's delay does not show the
      // custom backoff), so an operator sees when the next attempt really is.
      await job.updateData({ ...job.data, next_attempt_at: report.state.next_attempt_at, attempts_made: attempt }).catch(() => undefined);
      throw new DeliveryRetry(report.verdict.reason, report.nextDelayMs);
    }
    logger.error({ ...fields, error: report.verdict.reason }, 'webhook delivery failed for good');
    throw new UnrecoverableError(report.verdict.reason);
  };

  const worker = new Worker<JobData, DeliveryJobResult>(WEBHOOKS_QUEUE, processor, {
    connection,
    prefix: queuePrefix(config),
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
    const data = job.data;
    void (async () => {
      const state = ('batch_id' in data ? await batches.getWebhook(data.batch_id) : await ledger.get(data.action_id)) as DeliveryState | null;
      if (state?.state !== 'pending' || (await job.getState()) !== 'failed') return;
      const failed: DeliveryState = { ...state, state: 'failed', failed_at: new Date().toISOString(), next_attempt_at: null, last_error: err.message };
      const written = 'batch_id' in data ? await batches.setWebhook(data.batch_id, failed) : await ledger.put(data.action_id, failed);
      if (written) await recordDeliveryOutcome(connection, config.keyPrefix, 'failed', job.attemptsMade);
    })().catch((e: unknown) => logger.error({ err: (e as Error).message, ...subjectOf(data).fields }, 'could not record a failed delivery'));
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

/** What a delivery job is about, for its log lines. */
function subjectOf(data: JobData): { what: 'action' | 'batch'; fields: { action_id: string } | { batch_id: string } } {
  return 'batch_id' in data ? { what: 'batch', fields: { batch_id: data.batch_id } } : { what: 'action', fields: { action_id: data.action_id } };
}
