import type { ActionStore } from '../store/actions.ts';
import { BatchStore } from '../store/batches.ts';
import { retryBatchDelivery } from './batch.ts';
import { initialDeliveryState } from './deliver.ts';
import { clearDeliveryJob, deliveryJobId, deliveryJobOptions, type DeliveryQueue } from './queue.ts';
import type { RetrySchedule } from './schedule.ts';
import { DeliveryLedger, parseFailedMember, type DeliveryAttempt, type DeliveryEvent, type DeliveryState, type RetryOutcome } from './state.ts';

export { clearDeliveryJob } from './queue.ts';
export type { RetryOutcome } from './state.ts';

export interface OperatorContext {
  store: ActionStore;
  queue: DeliveryQueue;
  schedule: RetrySchedule;
}

/**
 * Starts a delivery over with the full schedule of fresh attempts, now. A delivered message is
 * only sent again with `force`; one whose attempt is running right now is left alone. The
 * message id stays the same, so receivers can still recognise a duplicate.
 */
export async function retryDelivery(ctx: OperatorContext, actionId: string, options: { force?: boolean } = {}): Promise<RetryOutcome> {
  const ledger = new DeliveryLedger(ctx.store);
  const action = await ctx.store.get(actionId);
  if (!action || (action.status !== 'success' && action.status !== 'error')) return { result: 'not_found' };
  const fresh = initialDeliveryState(action);
  if (!fresh) return { result: 'no_webhook' };
  const previous = (action.webhook as DeliveryState | undefined) ?? null;
  if (previous?.state === 'delivered' && !options.force) return { result: 'delivered', state: previous };

  if (!(await clearDeliveryJob(ctx.queue, deliveryJobId(actionId)))) return { result: 'in_progress', state: previous ?? fresh };
  const now = new Date().toISOString();
  const state: DeliveryState = previous
    ? { ...previous, state: 'pending', next_attempt_at: now, operator_retries: (previous.operator_retries ?? 0) + 1 }
    : fresh;
  delete state.failed_at;
  if (!(await ledger.put(actionId, state))) return { result: 'not_found' };
  await ctx.queue.add('deliver', { action_id: actionId, next_attempt_at: state.next_attempt_at, attempts_made: 0 }, deliveryJobOptions(ctx.schedule, actionId, { immediate: true }));
  return { result: 'queued', state };
}

/**
 * One delivery that failed for good: an action's message (`action_id`, `action_status`), or a
 * batch's `batch.completed` (`batch_id`; `action_id` and `action_status` are null).
 */
export interface FailedDelivery {
  action_id: string | null;
  batch_id: string | null;
  event: DeliveryEvent;
  owner: string;
  action_status: string | null;
  kind: string;
  target: string;
  failed_at: string;
  attempts: number;
  operator_retries: number;
  last_error: string | null;
  last_attempt: DeliveryAttempt | null;
}

export interface FailedFilter {
  /** Only these owners' actions and batches (a client's view); absent for operators. */
  owner?: string;
  limit?: number;
  /** Failed at least this long ago. */
  minAgeMs?: number;
  /** Failed at most this long ago. */
  maxAgeMs?: number;
}

/** Failed deliveries of actions' messages and of batches' `batch.completed`, newest failure first. */
export async function listFailedDeliveries(store: ActionStore, filter: FailedFilter = {}): Promise<FailedDelivery[]> {
  const ledger = new DeliveryLedger(store);
  const batches = new BatchStore(store.redis, store.options);
  const now = Date.now();
  const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
  const entries = await ledger.listFailed({
    ...(filter.minAgeMs !== undefined ? { failedBefore: now - filter.minAgeMs } : {}),
    ...(filter.maxAgeMs !== undefined ? { failedAfter: now - filter.maxAgeMs } : {}),
    // Without an owner filter every entry counts, so the index read can stop at the limit.
    ...(filter.owner === undefined ? { limit } : {}),
  });
  const out: FailedDelivery[] = [];
  const stale: string[] = [];
  for (const { id: member, failedAt } of entries) {
    if (out.length >= limit) break;
    const { subject, id } = parseFailedMember(member);
    const record = subject === 'batch' ? await batches.get(id) : await store.get(id);
    const state = record?.webhook as DeliveryState | undefined;
    if (!record || state?.state !== 'failed') {
      stale.push(member);
      continue;
    }
    if (filter.owner !== undefined && record.owner !== filter.owner) continue;
    out.push({
      action_id: subject === 'action' ? id : null,
      batch_id: subject === 'batch' ? id : null,
      event: state.event ?? (subject === 'batch' ? 'batch.completed' : 'action.completed'),
      owner: record.owner,
      action_status: subject === 'action' ? (record as { status: string }).status : null,
      kind: state.kind,
      target: state.target,
      failed_at: state.failed_at ?? new Date(failedAt).toISOString(),
      attempts: state.attempts.length,
      operator_retries: state.operator_retries ?? 0,
      last_error: state.last_error ?? null,
      last_attempt: state.attempts.at(-1) ?? null,
    });
  }
  await ledger.forgetFailed(stale);
  return out;
}

/** A failed delivery retry-failed left alone, and why (`RetryOutcome['result']`). */
export type SkippedRetry = ({ action_id: string } | { batch_id: string }) & { reason: string };

/**
 * Retries every failed delivery matching `filter`, actions' and batches' alike; returns what was
 * queued (`retried`: action ids, `retried_batches`: batch ids) and what was skipped, and why.
 */
export async function retryFailedDeliveries(
  ctx: OperatorContext,
  filter: Omit<FailedFilter, 'owner'> = {},
): Promise<{ retried: string[]; retried_batches: string[]; skipped: SkippedRetry[] }> {
  const failed = await listFailedDeliveries(ctx.store, { ...filter, limit: filter.limit ?? 1000 });
  const batches = new BatchStore(ctx.store.redis, ctx.store.options);
  const retried: string[] = [];
  const retriedBatches: string[] = [];
  const skipped: SkippedRetry[] = [];
  for (const f of failed) {
    if (f.batch_id !== null) {
      const outcome = await retryBatchDelivery({ batches, queue: ctx.queue, schedule: ctx.schedule }, f.batch_id);
      if (outcome.result === 'queued') retriedBatches.push(f.batch_id);
      else skipped.push({ batch_id: f.batch_id, reason: outcome.result });
      continue;
    }
    const outcome = await retryDelivery(ctx, f.action_id!);
    if (outcome.result === 'queued') retried.push(f.action_id!);
    else skipped.push({ action_id: f.action_id!, reason: outcome.result });
  }
  return { retried, retried_batches: retriedBatches, skipped };
}
