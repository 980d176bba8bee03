import type { Action, ActionStatus, ActionStore } from '../store/actions.ts';
import type { Batch, BatchMember, BatchStore } from '../store/batches.ts';
import { countEnded, directRequest, displayTarget, newMessageId, runAttempt, type AttemptReport, type Deliverer } from './deliver.ts';
import type { DirectPayload } from './payloads.ts';
import { BATCH_DELIVERY_JOB, batchDeliveryJobId, batchDeliveryJobOptions, clearDeliveryJob, type DeliveryQueue } from './queue.ts';
import type { RetrySchedule } from './schedule.ts';
import { MAX_RECORDED_ATTEMPTS, type DeliveryState, type RetryOutcome } from './state.ts';

/**
 * `batch.completed`: one Standard Webhooks message per batch, sent to the batch's `webhook_url`
 * once every one of its actions has ended. Its delivery follows the actions' own (same queue,
 * schedule, verdicts and signature); its state is kept on the batch record.
 */

/** A deliverer that also reads batches. */
export interface BatchDeliverer extends Deliverer {
  batches: BatchStore;
}

/** Absolute (with PUBLIC_URL) or relative links to a batch and its archive. */
export function batchLinks(publicUrl: string, id: string): { self: string; archive: string } {
  const self = `${publicUrl.replace(/\/+$/, '')}/batches/${encodeURIComponent(id)}`;
  return { self, archive: `${self}/archive.zip` };
}

/**
 * The body: the batch's counts and every action's id and status, in item order. Thin like the
 * actions' messages: receivers fetch the batch, its actions or its archive for the results.
 */
export function batchPayload(batch: Batch, members: BatchMember[], statuses: (ActionStatus | null)[], publicUrl = ''): DirectPayload {
  const counts: Record<string, number> = { success: 0, error: 0 };
  for (const s of statuses) if (s === 'success' || s === 'error') counts[s] += 1;
  return {
    type: 'batch.completed',
    timestamp: batch.completed_at ?? new Date().toISOString(),
    data: {
      id: batch.id,
      created_at: batch.created_at,
      completed_at: batch.completed_at,
      items: batch.items,
      counts,
      actions: members.map((m, i) => ({ index: m.index, id: m.id, status: statuses[i] })),
      invalid: batch.invalid.map((item) => item.index),
      links: batchLinks(publicUrl, batch.id),
    },
  };
}

/** The pending delivery of a batch that asked for a webhook; null when it did not. */
export function initialBatchDeliveryState(batch: Pick<Batch, 'webhook_url'>, now = new Date()): DeliveryState | null {
  if (!batch.webhook_url) return null;
  return {
    state: 'pending',
    kind: 'direct',
    event: 'batch.completed',
    target: displayTarget(batch.webhook_url),
    message_id: newMessageId(),
    created_at: now.toISOString(),
    attempts: [],
    next_attempt_at: now.toISOString(),
    operator_retries: 0,
  };
}

/** One attempt at delivering `batch.completed`, recorded on the batch; null when the batch is gone or wants no webhook. */
export async function attemptBatchDelivery(d: BatchDeliverer, batchId: string, attemptsMade: number, maxAttempts: number): Promise<AttemptReport | null> {
  const batch = await d.batches.get(batchId);
  if (!batch?.webhook_url) return null;
  const state = (batch.webhook as DeliveryState | undefined) ?? initialBatchDeliveryState(batch);
  if (!state) return null;
  if (state.state === 'delivered') return { verdict: { kind: 'delivered' }, state };
  const members = await d.batches.members(batchId);
  const statuses = await d.batches.statuses(members);
  const url = batch.webhook_url;
  const report = await runAttempt(d, state, (nowMs) => directRequest(d.keyring, batch.owner, url, batchPayload(batch, members, statuses, d.publicUrl), state.message_id, nowMs), attemptsMade, maxAttempts);
  report.state.attempts = report.state.attempts.slice(-MAX_RECORDED_ATTEMPTS);
  if (await d.batches.setWebhook(batchId, report.state)) await countEnded(d, report.state, attemptsMade + 1);
  return report;
}

/**
 * Counts every batch action's end on its batch and, when the last one ended, queues the batch's
 * `batch.completed` delivery. Runs again, harmlessly, whenever an end is reported again (a job run
 * after a worker died): the count remembers which actions it has, the delivery state is created
 * once (HSETNX), and its job id is derived from the batch id. A pending delivery whose job is
 * missing (a crash between the two writes) gets its job on the next report. Returns the
 * unregister function.
 */
export function registerBatchCompletion(store: ActionStore, batches: BatchStore, queue: DeliveryQueue, schedule: RetrySchedule): () => void {
  return store.onActionFinished(async (action: Action) => {
    if (!action.batch_id) return;
    const remaining = await batches.recordEnd(action.batch_id, action.id);
    if (remaining !== 0) return;
    const batch = await batches.get(action.batch_id);
    const fresh = batch ? initialBatchDeliveryState(batch) : null;
    if (!batch || !fresh) return;
    const begun = await batches.beginWebhook(batch.id, fresh);
    const state = begun === 'created' ? fresh : ((await batches.getWebhook(batch.id)) as DeliveryState | null);
    if (state?.state !== 'pending') return;
    await queue.add(BATCH_DELIVERY_JOB, { batch_id: batch.id, next_attempt_at: state.next_attempt_at, attempts_made: 0 }, batchDeliveryJobOptions(schedule, batch.id));
  });
}

/**
 * An operator's retry of `batch.completed`: the whole schedule again, now, with the same message
 * id. A delivered message is sent again only with `force`; not before the batch completed.
 */
export async function retryBatchDelivery(
  ctx: { batches: BatchStore; queue: DeliveryQueue; schedule: RetrySchedule },
  batchId: string,
  options: { force?: boolean } = {},
): Promise<RetryOutcome> {
  const batch = await ctx.batches.get(batchId);
  if (!batch?.completed_at) return { result: 'not_found' };
  const fresh = initialBatchDeliveryState(batch);
  if (!fresh) return { result: 'no_webhook' };
  const previous = (batch.webhook as DeliveryState | undefined) ?? null;
  if (previous?.state === 'delivered' && !options.force) return { result: 'delivered', state: previous };
  if (!(await clearDeliveryJob(ctx.queue, batchDeliveryJobId(batchId)))) return { result: 'in_progress', state: previous ?? fresh };
  const state: DeliveryState = previous
    ? { ...previous, state: 'pending', next_attempt_at: new Date().toISOString(), operator_retries: (previous.operator_retries ?? 0) + 1 }
    : fresh;
  delete state.failed_at;
  if (!(await ctx.batches.setWebhook(batchId, state))) return { result: 'not_found' };
  await ctx.queue.add(BATCH_DELIVERY_JOB, { batch_id: batchId, next_attempt_at: state.next_attempt_at, attempts_made: 0 }, batchDeliveryJobOptions(ctx.schedule, batchId, { immediate: true }));
  return { result: 'queued', state };
}
