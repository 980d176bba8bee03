import type { Action, ActionStore } from '../store/actions.ts';
import { initialDeliveryState } from './deliver.ts';
import { deliveryJobOptions, type DeliveryQueue } from './queue.ts';
import type { RetrySchedule } from './schedule.ts';
import { DeliveryLedger } from './state.ts';

/**
 * Queues the delivery of every finished action that asked for a webhook. The action record's
 * `webhook` field is claimed first (only if absent), so a second end notification for the same
 * action queues nothing, whatever BullMQ kept of earlier jobs. Returns the unregister function.
 */
export function registerWebhookDelivery(store: ActionStore, queue: DeliveryQueue, schedule: RetrySchedule): () => void {
  const ledger = new DeliveryLedger(store);
  return store.onActionFinished(async (action: Action) => {
    const state = initialDeliveryState(action);
    if (!state) return;
    if ((await ledger.begin(action.id, state)) !== 'created') return;
    try {
      await queue.add('deliver', { action_id: action.id, next_attempt_at: state.next_attempt_at, attempts_made: 0 }, deliveryJobOptions(schedule, action.id));
    } catch (error) {
      await ledger.abandon(action.id).catch(() => undefined);
      throw error;
    }
  });
}
