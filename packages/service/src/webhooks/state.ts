import type { ActionStore, WebhookAttempt, WebhookState } from '../store/actions.ts';
import { failedBatchMember, keys } from '../store/keys.ts';
import { trackDelivery } from '../store/pending-deliveries.ts';

export type DeliveryKind = 'platform' | 'direct';
export type DeliveryEvent = 'action.completed' | 'action.failed' | 'batch.completed';

/** One recorded attempt; `retry_after_ms` when the receiver asked us to wait. */
export interface DeliveryAttempt extends WebhookAttempt {
  retry_after_ms?: number;
}

/** The `webhook` field of an action record. */
export interface DeliveryState extends WebhookState {
  kind: DeliveryKind;
  event: DeliveryEvent;
  /** The receiver's origin and path (query strings may carry tokens and are left out). */
  target: string;
  created_at: string;
  attempts: DeliveryAttempt[];
  next_attempt_at: string | null;
  delivered_at?: string;
  failed_at?: string;
  last_error?: string;
  /** How many times an operator started the schedule over. */
  operator_retries: number;
}

/** Attempts kept on the record; older ones are dropped first (the counts stay exact). */
export const MAX_RECORDED_ATTEMPTS = 50;

/**
 * The index of failed deliveries, scored by failure time: action ids, and `batch:<id>` for a
 * batch's `batch.completed` (action ids have no colon, so the two never meet). Not
 * `<prefix>:webhooks:failed`: that is BullMQ's own set of failed jobs of the `webhooks` queue.
 */
export function failedIndexKey(prefix: string): string {
  return keys(prefix).failedDeliveries;
}

/** Which delivery a failed index member stands for (see `failedBatchMember`). */
export function parseFailedMember(member: string): { subject: 'action' | 'batch'; id: string } {
  const batch = failedBatchMember('');
  return member.startsWith(batch) ? { subject: 'batch', id: member.slice(batch.length) } : { subject: 'action', id: member };
}

/** What an operator's retry of one delivery (an action's, or a batch's) came to. */
export type RetryOutcome =
  | { result: 'queued'; state: DeliveryState }
  | { result: 'not_found' }
  | { result: 'no_webhook' }
  | { result: 'delivered'; state: DeliveryState }
  | { result: 'in_progress'; state: DeliveryState };

// Sets the webhook field only when the action exists and has none yet: the single place that
// decides a delivery is created, so a second "finished" notification queues nothing.
const BEGIN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'webhook', ARGV[1])
`;

/** Delivery state of one action, read and written through the action store's Redis. */
export class DeliveryLedger {
  readonly failedKey: string;

  constructor(readonly store: ActionStore) {
    this.failedKey = failedIndexKey(store.options.prefix);
  }

  /** 'created' the first time, 'exists' when a delivery was already set up, 'missing' when the action is gone. */
  async begin(actionId: string, state: DeliveryState): Promise<'created' | 'exists' | 'missing'> {
    await trackDelivery(this.store.redis, this.store.options.prefix, { kind: 'action', id: actionId }, true);
    const r = await this.store.redis.eval(BEGIN_SCRIPT, 1, this.store.keys.action(actionId), JSON.stringify(state));
    return r === 1 ? 'created' : r === 0 ? 'exists' : 'missing';
  }

  async get(actionId: string): Promise<DeliveryState | null> {
    return (await this.store.getWebhook(actionId)) as DeliveryState | null;
  }

  /** Writes the state (only while the action exists) and keeps the failed index in step. */
  async put(actionId: string, state: DeliveryState): Promise<boolean> {
    if (state.attempts.length > MAX_RECORDED_ATTEMPTS) state.attempts = state.attempts.slice(-MAX_RECORDED_ATTEMPTS);
    const written = await this.store.setWebhook(actionId, state);
    if (!written) {
      await this.store.redis.zrem(this.failedKey, actionId);
      return false;
    }
    if (state.state === 'failed') {
      await this.store.redis.zadd(this.failedKey, Date.parse(state.failed_at ?? new Date().toISOString()), actionId);
    } else {
      await this.store.redis.zrem(this.failedKey, actionId);
    }
    return true;
  }

  /**
   * Failed deliveries, newest failure first. `failedAfter`/`failedBefore` bound the failure time
   * (ms since the epoch). Entries whose action expired are dropped from the index on the way.
   */
  async listFailed(options: { limit?: number; failedAfter?: number; failedBefore?: number } = {}): Promise<{ id: string; failedAt: number }[]> {
    const max = options.failedBefore !== undefined ? String(options.failedBefore) : '+inf';
    const min = options.failedAfter !== undefined ? String(options.failedAfter) : '-inf';
    const args: (string | number)[] = [this.failedKey, max, min, 'WITHSCORES'];
    if (options.limit !== undefined) args.push('LIMIT', 0, options.limit);
    const flat = (await this.store.redis.call('ZREVRANGEBYSCORE', ...args)) as string[];
    const out: { id: string; failedAt: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i], failedAt: Number(flat[i + 1]) });
    return out;
  }

  async forgetFailed(actionIds: string[]): Promise<void> {
    if (actionIds.length > 0) await this.store.redis.zrem(this.failedKey, ...actionIds);
  }
}
