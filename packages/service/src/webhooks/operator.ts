import type { ActionStore } from '../store/actions.ts';
import { initialDeliveryState } from './deliver.ts';
import { deliveryJobId, deliveryJobOptions, type DeliveryQueue } from './queue.ts';
import type { RetrySchedule } from './schedule.ts';
import { DeliveryLedger, type DeliveryAttempt, type DeliveryState } from './state.ts';

export interface OperatorContext {
  store: ActionStore;
  queue: DeliveryQueue;
  schedule: RetrySchedule;
}

export type RetryOutcome =
  | { result: 'queued'; state: DeliveryState }
  | { result: 'not_found' }
  | { result: 'no_webhook' }
  | { result: 'delivered'; state: DeliveryState }
  | { result: 'in_progress'; state: DeliveryState };

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
 * Removes a delivery's job (waiting, delayed or finished) so that it can be added afresh; false
 * when an attempt is running right now and the job stays.
 */
export async function clearDeliveryJob(queue: DeliveryQueue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return true;
  if ((await job.getState()) === 'active') return false;
  try {
    await job.remove();
    return true;
  } catch {
    // Removal fails only while a worker holds the job's lock: it is being attempted right now.
    return false;
  }
}

export interface FailedDelivery {
  action_id: string;
  owner: string;
  action_status: string;
  kind: string;
  target: string;
  failed_at: string;
  attempts: number;
  operator_retries: number;
  last_error: string | null;
  last_attempt: DeliveryAttempt | null;
}

export interface FailedFilter {
  /** Only these owners' actions (a client's view); absent for operators. */
  owner?: string;
  limit?: number;
  /** Failed at least this long ago. */
  minAgeMs?: number;
  /** Failed at most this long ago. */
  maxAgeMs?: number;
}

/** Deliveries that ran out of attempts or were refused, newest failure first. */
export async function listFailedDeliveries(store: ActionStore, filter: FailedFilter = {}): Promise<FailedDelivery[]> {
  const ledger = new DeliveryLedger(store);
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
  for (const { id, failedAt } of entries) {
    if (out.length >= limit) break;
    const action = await store.get(id);
    const state = action?.webhook as DeliveryState | undefined;
    if (!action || state?.state !== 'failed') {
      stale.push(id);
      continue;
    }
    if (filter.owner !== undefined && action.owner !== filter.owner) continue;
    out.push({
      action_id: id,
      owner: action.owner,
      action_status: action.status,
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

/** Retries every failed delivery matching `filter`; returns what was queued and what was skipped. */
export async function retryFailedDeliveries(
  ctx: OperatorContext,
  filter: Omit<FailedFilter, 'owner'> = {},
): Promise<{ retried: string[]; skipped: { action_id: string; reason: string }[] }> {
  const failed = await listFailedDeliveries(ctx.store, { ...filter, limit: filter.limit ?? 1000 });
  const retried: string[] = [];
  const skipped: { action_id: string; reason: string }[] = [];
  for (const f of failed) {
    const outcome = await retryDelivery(ctx, f.action_id);
    if (outcome.result === 'queued') retried.push(f.action_id);
    else skipped.push({ action_id: f.action_id, reason: outcome.result });
  }
  return { retried, skipped };
}
