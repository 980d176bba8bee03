import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { RedisClient } from '../redis.ts';
import { keys } from '../store/keys.ts';
import { GENERATE_QUEUE, enqueueGeneration, generateJobId, type GenerateQueue, type GenerationQueueName } from '../queues.ts';
import type { FairShare } from '../scheduling/fair-share.ts';
import { FINISHED_STATUSES, type Action, type ActionError, type ActionStore } from '../store/actions.ts';
import type { BatchStore } from '../store/batches.ts';
import { parsePendingMember, type DeliverySubject } from '../store/pending-deliveries.ts';
import { initialBatchDeliveryState } from '../webhooks/batch.ts';
import { BATCH_DELIVERY_JOB, batchDeliveryJobId, batchDeliveryJobOptions, deliveryJobId, deliveryJobOptions, type DeliveryQueue } from '../webhooks/queue.ts';
import type { RetrySchedule } from '../webhooks/schedule.ts';
import type { DeliveryState } from '../webhooks/state.ts';
import { RedisLock } from './lock.ts';

/** BullMQ job states in which a job will still run (or is running): anything else is not coming. */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/** Times the reconciler gives one action (or one delivery) a new job before ending it instead. */
export const MAX_RECONCILES = 3;

/** Index entries looked at per page (the lock is extended after each), and most entries of each index one pass looks at. */
const PAGE = 200;
const MAX_PER_PASS = 5000;

// Counts a reconciliation on the record itself (so the count lives and dies with it); -1 when the
// record is gone. One key: runs on a Redis Cluster.
const COUNT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
`;

/** What one pass did; ids of actions, `action:<id>` / `batch:<id>` for deliveries. */
export interface ReconcileReport {
  /** Another process held the lock: this pass did nothing. */
  skipped: boolean;
  /** Unfinished actions without a live job that got their job again. */
  requeued: string[];
  /** Unfinished actions without a live job that could not be queued again, ended `error` (`lost_job`, or the failed job's reason). */
  ended: string[];
  /** Finished actions whose end had not been followed through (webhook, batch count): their listeners ran again. */
  mended: string[];
  /** Pending deliveries without a live job that got their job again. */
  deliveries: string[];
  /** Pending deliveries given up after MAX_RECONCILES new jobs, recorded `failed`. */
  deliveriesFailed: string[];
}

export interface ReconcilerOptions {
  /** The worker's store: its finished-listeners (webhooks, batch counts) run when the reconciler ends an action. */
  store: ActionStore;
  batches: BatchStore;
  queues: Record<GenerationQueueName, GenerateQueue>;
  deliveryQueue: DeliveryQueue;
  fairShare: FairShare;
  schedule: RetrySchedule;
  config: Pick<Config, 'reconcileGraceMs' | 'reconcileIntervalMs' | 'downloadAttempts' | 'downloadRetryDelayMs' | 'jobKeepCompletedSeconds' | 'jobKeepFailedSeconds'>;
  logger?: Logger;
}

/**
 * Makes sure nothing accepted is lost: every action not yet ended, and every webhook delivery not
 * yet ended, has a BullMQ job that will run it.
 *
 * It reads two indexes the stores keep (`activeActions`, `pendingDeliveries`), each scored by when
 * its entry was created or last seen with a live job, and looks only at entries older than
 * RECONCILE_GRACE_MS, so the moments where a job legitimately does not exist yet (between the
 * record's creation and its job's, or while a job moves to `generate-heavy`) are left alone. For each:
 * - an action whose job is gone (or completed, or failed before the action was ever taken up, as
 *   when Redis refused writes) gets it again under the same job id, unless its inline input is
 *   gone or it was re-queued MAX_RECONCILES times already: then it ends `error` (`lost_job`) and its
 *   webhook goes out like any other end;
 * - an action whose job failed while it ran ends `error` with the job's reason (what the workers'
 *   failed-job handler records, when it could not);
 * - a finished action still indexed has its finished-listeners run again (idempotent);
 * - a pending delivery whose job is gone gets it again, at its recorded next attempt time.
 *
 * One process reconciles at a time (a Redis lock with an expiry); a second one's pass is skipped.
 * Every step is also safe to repeat: job ids are derived from the action ids, ends go through the
 * store's check-and-set.
 */
export class Reconciler {
  private readonly lock: RedisLock;

  constructor(private readonly options: ReconcilerOptions) {
    const { store, config } = options;
    // Longer than a pass normally takes; the holder extends it after every page.
    this.lock = new RedisLock(store.redis, store.keys.reconcilerLock, Math.max(2 * config.reconcileIntervalMs, 30_000));
  }

  /** One pass over both indexes; `now` (ms) is for tests that do not want to wait out the grace period. */
  async runOnce(now = Date.now()): Promise<ReconcileReport> {
    const report: ReconcileReport = { skipped: false, requeued: [], ended: [], mended: [], deliveries: [], deliveriesFailed: [] };
    const token = await this.lock.acquire();
    if (!token) return { ...report, skipped: true };
    try {
      const before = now - this.options.config.reconcileGraceMs;
      await this.actions(before, report, token);
      await this.deliveries(before, report, token);
    } finally {
      await this.lock.release(token).catch(() => undefined);
      await this.recordStats(report);
    }
    const counts = { requeued: report.requeued.length, ended: report.ended.length, mended: report.mended.length, deliveries: report.deliveries.length, deliveries_failed: report.deliveriesFailed.length };
    if (Object.values(counts).some((n) => n > 0)) {
      this.options.logger?.warn({ ...counts, requeued_ids: report.requeued.slice(0, 20), ended_ids: report.ended.slice(0, 20), mended_ids: report.mended.slice(0, 20), delivery_ids: report.deliveries.slice(0, 20) }, 'reconciler mended lost work');
    }
    return report;
  }

  private async actions(before: number, report: ReconcileReport, token: string): Promise<void> {
    const { store } = this.options;
    // Read once, then looked at page by page: what a page leaves in place (skipped, or failed to
    // look at) is never read again in this pass, whatever the others do to the index.
    const all = await store.watched(before, MAX_PER_PASS);
    for (let start = 0; start < all.length; start += PAGE) {
      const ids = all.slice(start, start + PAGE);
      const actions = await store.getMany(ids);
      const live: string[] = [];
      const drop: string[] = [];
      for (const [i, action] of actions.entries()) {
        try {
          const outcome = await this.action(ids[i], action, before, report);
          if (outcome === 'live') live.push(ids[i]);
          else if (outcome === 'drop') drop.push(ids[i]);
        } catch (err) {
          this.options.logger?.warn({ action_id: ids[i], err: (err as Error).message }, 'reconciler could not look at an action; trying again next pass');
        }
      }
      await store.touchWatched(live);
      await store.unwatch(drop);
      if (!(await this.lock.extend(token))) return;
    }
  }

  /**
   * 'live': it has a job; 'drop': no longer watched; 'mended': given a job or an end (watched until
   * it ends); 'keep': left as it is for now.
   */
  private async action(id: string, action: Action | null, before: number, report: ReconcileReport): Promise<'live' | 'drop' | 'mended' | 'keep'> {
    const { store, queues } = this.options;
    if (!action) return 'drop';
    if (FINISHED_STATUSES.includes(action.status)) {
      // Its worker unwatches it a moment after the end, once the listeners ran: only an end older
      // than the grace period still watched means they were cut short (a worker died in between).
      if (Date.parse(action.finished_at ?? '') > before) return 'keep';
      await store.notifyFinished(action);
      report.mended.push(id);
      return 'drop';
    }
    const queueName = action.queue ?? GENERATE_QUEUE;
    const queue = queues[queueName];
    const jobState = await queue.getJobState(generateJobId(id));
    if (LIVE_JOB_STATES.has(jobState)) return 'live';
    // Read again after the job: an action that ended meanwhile is the normal course of things.
    const current = await store.get(id);
    if (!current || FINISHED_STATUSES.includes(current.status)) return 'live';

    const job = jobState === 'unknown' ? undefined : await queue.getJob(generateJobId(id));
    if (jobState === 'failed' && current.runs > 0) {
      // It failed while running (its worker died too often, or the last retry crashed) and the
      // workers' failed-job handler could not record it: record it as that handler would.
      if (await store.fail(id, lostError('internal', 'InternalError', `The job failed: ${job?.failedReason ?? 'no reason recorded'}`))) report.ended.push(id);
      return 'mended';
    }
    const inputGone = current.input.kind === 'inline' && (await store.getInput(id)) === null;
    const count = await this.count(store.keys.action(id), 'reconciles');
    if (count < 0) return 'drop';
    if (inputGone || count > MAX_RECONCILES) {
      const why = inputGone ? 'its submitted structure is no longer stored' : `it was queued again ${MAX_RECONCILES} times already`;
      if (await store.fail(id, lostError('lost_job', 'LostJobError', `The action's job was lost (${describeJobState(jobState)}) and ${why}; submit it again`))) report.ended.push(id);
      return 'mended';
    }
    // A finished job keeps its id: it must go before the id can be used again.
    if (job) await job.remove();
    if (current.status === 'in-progress') await store.requeue(id);
    const { priority } = await this.options.fairShare.admit(current.owner, queueName, id);
    await enqueueGeneration(queue, this.options.config, id, priority);
    report.requeued.push(id);
    await store.touchWatched([id]);
    return 'mended';
  }

  private async deliveries(before: number, report: ReconcileReport, token: string): Promise<void> {
    const { store } = this.options;
    const key = store.keys.pendingDeliveries;
    const all = await store.redis.zrangebyscore(key, '-inf', before, 'LIMIT', 0, MAX_PER_PASS);
    for (let start = 0; start < all.length; start += PAGE) {
      for (const member of all.slice(start, start + PAGE)) {
        try {
          const subject = parsePendingMember(member);
          const outcome = subject ? await this.delivery(subject, report) : 'drop';
          if (outcome === 'drop') await store.redis.zrem(key, member);
          else await store.redis.zadd(key, 'XX', Date.now(), member);
        } catch (err) {
          this.options.logger?.warn({ delivery: member, err: (err as Error).message }, 'reconciler could not look at a delivery; trying again next pass');
        }
      }
      if (!(await this.lock.extend(token))) return;
    }
  }

  private async delivery(subject: DeliverySubject, report: ReconcileReport): Promise<'live' | 'drop' | 'mended'> {
    const { store, batches, deliveryQueue, schedule } = this.options;
    let state: DeliveryState | null;
    let recordKey: string;
    if (subject.kind === 'action') {
      const action = await store.get(subject.id);
      if (!action || !FINISHED_STATUSES.includes(action.status)) return 'drop';
      if (!action.webhook) {
        // Its end was reported but the delivery never created (a crash in between): report it again.
        await store.notifyFinished(action);
        report.mended.push(subject.id);
        return 'mended';
      }
      state = action.webhook as DeliveryState;
      recordKey = store.keys.action(subject.id);
    } else {
      const batch = await batches.get(subject.id);
      if (!batch?.completed_at) return 'drop';
      state = (batch.webhook as DeliveryState | undefined) ?? null;
      if (!state) {
        const fresh = initialBatchDeliveryState(batch);
        if (!fresh || (await batches.beginWebhook(batch.id, fresh)) === 'missing') return 'drop';
        state = (await batches.getWebhook(batch.id)) as DeliveryState | null;
      }
      recordKey = store.keys.batch(subject.id);
    }
    if (state?.state !== 'pending') return 'drop';

    const jobId = subject.kind === 'action' ? deliveryJobId(subject.id) : batchDeliveryJobId(subject.id);
    const jobState = await deliveryQueue.getJobState(jobId);
    if (LIVE_JOB_STATES.has(jobState)) return 'live';
    const count = await this.count(recordKey, 'delivery_reconciles');
    if (count < 0) return 'drop';
    if (count > MAX_RECONCILES) {
      const failed: DeliveryState = { ...state, state: 'failed', failed_at: new Date().toISOString(), next_attempt_at: null, last_error: `the delivery's job was lost ${count} times` };
      if (subject.kind === 'action') await store.setWebhook(subject.id, failed);
      else await batches.setWebhook(subject.id, failed);
      report.deliveriesFailed.push(`${subject.kind}:${subject.id}`);
      return 'drop';
    }
    if (jobState !== 'unknown') await (await deliveryQueue.getJob(jobId))?.remove();
    // At the time the state says, with the schedule started over from there (a new job counts its attempts from 0).
    const delay = Math.max(0, (Date.parse(state.next_attempt_at ?? '') || Date.now()) - Date.now());
    const progress = { next_attempt_at: state.next_attempt_at, attempts_made: state.attempts.length };
    if (subject.kind === 'action') {
      await deliveryQueue.add('deliver', { action_id: subject.id, ...progress }, { ...deliveryJobOptions(schedule, subject.id), delay });
    } else {
      await deliveryQueue.add(BATCH_DELIVERY_JOB, { batch_id: subject.id, ...progress }, { ...batchDeliveryJobOptions(schedule, subject.id), delay });
    }
    report.deliveries.push(`${subject.kind}:${subject.id}`);
    return 'mended';
  }

  private async count(key: string, field: string): Promise<number> {
    return Number(await this.options.store.redis.eval(COUNT_SCRIPT, 1, key, field));
  }

  /** Adds this pass's work to the fleet's counters (`defect_reconciled_total` on /metrics); a failure loses only the count. */
  private async recordStats(report: ReconcileReport): Promise<void> {
    const key = this.options.store.keys.statsReconciled;
    const counts: [string, number][] = [
      ['requeued', report.requeued.length],
      ['ended', report.ended.length],
      ['mended', report.mended.length],
      ['delivery_requeued', report.deliveries.length],
      ['delivery_failed', report.deliveriesFailed.length],
    ];
    await Promise.all(counts.filter(([, n]) => n > 0).map(([field, n]) => this.options.store.redis.hincrby(key, field, n))).catch(() => undefined);
  }
}

function lostError(code: string, type: string, message: string): ActionError {
  return { code, type, message, retryable: true };
}

function describeJobState(state: string): string {
  return state === 'unknown' ? 'no job existed for it' : `its job had ${state === 'failed' ? 'failed' : 'ended'} before it ran`;
}

/** Field names of `defect_reconciled_total`'s `kind` label, as `recordStats` writes them. */
export const RECONCILED_KINDS = ['requeued', 'ended', 'mended', 'delivery_requeued', 'delivery_failed'] as const;

/** What the reconciler mended over the fleet's life, by kind (for /metrics). */
export async function readReconciledStats(redis: RedisClient, prefix: string): Promise<Record<(typeof RECONCILED_KINDS)[number], number>> {
  const raw = await redis.hgetall(keys(prefix).statsReconciled);
  return Object.fromEntries(RECONCILED_KINDS.map((k) => [k, Number(raw[k] ?? 0)])) as Record<(typeof RECONCILED_KINDS)[number], number>;
}
