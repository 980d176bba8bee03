import type { Action, ActionStore } from '../store/actions.ts';
import { initialDeliveryState } from './deliver.ts';
import { deliveryJobOptions, type DeliveryQueue } from './queue.ts';
import type { RetrySchedule } from './schedule.ts';
import { DeliveryLedger } from './state.ts';

/**
 * Queues the delivery of every finished action that asked for a webhook. The action record's
 * `webhook` field is claimed first (only if absent), so the delivery state is created once,
 * whatever BullMQ kept of earlier jobs. Runs again, harmlessly, whenever an end is reported again
 * (a job run after a worker died): while the delivery is still pending its job is added again,
 * which is a no-op while the job exists (its id is derived from the action id) and mends a crash
 * between creating the state and queueing the job. Returns the unregister function.
 */
export function registerWebhookDelivery(store: ActionStore, queue: DeliveryQueue, schedule: RetrySchedule): () => void {
  const ledger = new DeliveryLedger(store);
  return store.onActionFinished(async (action: Action) => {
    const fresh = initialDeliveryState(action);
    if (!fresh) return;
    const begun = await ledger.begin(action.id, fresh);
    if (begun === 'missing') return;
    const state = begun === 'created' ? fresh : await ledger.get(action.id);
    if (state?.state !== 'pending') return;
    await queue.add('deliver', { action_id: action.id, next_attempt_at: state.next_attempt_at, attempts_made: 0 }, deliveryJobOptions(schedule, action.id));
  });
}
