import type { Result } from 'ioredis';
import { sendTogether, type RedisClient } from '../redis.ts';
import { ACTION_STATUSES, type ActionStatus, type WebhookState } from './actions.ts';
import { failedBatchMember, keys, type Keys } from './keys.ts';
import { trackDelivery } from './pending-deliveries.ts';

/** Most items one batch may hold. */
export const MAX_BATCH_ITEMS = 1000;

/** Why one item of a batch was refused: its fields' issues, paths relative to the item. */
export interface InvalidItem {
  index: number;
  issues: { path: string; message: string }[];
}

/** One accepted item: its position in the submitted `items` and the action it became. */
export interface BatchMember {
  index: number;
  id: string;
}

export interface BatchMeta {
  id: string;
  /** API key name, as for actions. */
  owner: string;
  created_at: string;
  /** Items submitted, valid or not. */
  items: number;
  /** Items accepted, one action each. */
  total: number;
  invalid: InvalidItem[];
  /** Where `batch.completed` goes (and the actions' own webhooks, with `action_webhooks`). */
  webhook_url?: string;
  /** Whether each action also sends its own webhook to `webhook_url`. */
  action_webhooks: boolean;
}

export interface Batch extends BatchMeta {
  /** Actions whose end was counted so far. */
  ended: number;
  /**
   * Its actions counted by status, kept by the script that changes an action's status (ActionStore),
   * in the same step; null for a batch created before the counts existed (count its members then).
   */
  counts: BatchCounts | null;
  /** When the last action's end was counted; null while some run. */
  completed_at: string | null;
  /** Delivery state of `batch.completed`, once it exists. */
  webhook?: WebhookState;
}

/** A batch's actions counted by status. */
export type BatchCounts = Record<ActionStatus, number>;

// A batch's keys share one hash tag (see keys.ts), so each script below runs on a Redis Cluster.

// Creates the batch unless it exists: meta, the count of its actions, their counts by status (all
// queued: they are created next) and their list. Returns 1 or 0.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'total', ARGV[2], 'ended', 0, 'count:queued', ARGV[2], 'count:in-progress', 0, 'count:success', 0, 'count:error', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
for i = 4, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return 1
`;

// Counts one action's end, once whatever the number of calls (the ended set remembers it), and
// marks the batch completed when the last one is counted. Returns how many remain, -1 when the
// batch is gone.
const END_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'ended', 1)
  if redis.call('TTL', KEYS[2]) == -1 then redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1])) end
end
local remaining = tonumber(redis.call('HGET', KEYS[1], 'total')) - tonumber(redis.call('HGET', KEYS[1], 'ended'))
if remaining <= 0 then redis.call('HSETNX', KEYS[1], 'completed_at', ARGV[2]) end
return remaining
`;

// Writes the webhook field while the batch exists; with ARGV[2] = 'nx' only if it has none yet.
// Returns -1 (no batch), 0 (left as it was) or 1.
const WEBHOOK_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[2] == 'nx' then return redis.call('HSETNX', KEYS[1], 'webhook', ARGV[1]) end
redis.call('HSET', KEYS[1], 'webhook', ARGV[1])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dcCreateBatch(key: string, members: string, meta: string, total: number, ttl: number, ...entries: string[]): Result<number, Context>;
    dcEndBatchAction(key: string, ended: string, actionId: string, now: string): Result<number, Context>;
    dcSetBatchWebhook(key: string, state: string, mode: '' | 'nx'): Result<number, Context>;
  }
}

function defineScripts(redis: RedisClient): void {
  if (typeof (redis as Partial<RedisClient>).dcEndBatchAction === 'function') return;
  redis.defineCommand('dcCreateBatch', { numberOfKeys: 2, lua: CREATE_SCRIPT });
  redis.defineCommand('dcEndBatchAction', { numberOfKeys: 2, lua: END_SCRIPT });
  redis.defineCommand('dcSetBatchWebhook', { numberOfKeys: 1, lua: WEBHOOK_SCRIPT });
}

/** `<index>:<action id>`, the members list's entries. */
function memberEntry(m: BatchMember): string {
  return `${m.index}:${m.id}`;
}

function parseMember(entry: string): BatchMember {
  const colon = entry.indexOf(':');
  return { index: Number(entry.slice(0, colon)), id: entry.slice(colon + 1) };
}

/**
 * Batches in Redis: one hash per batch (`meta`, `total`, `ended`, `count:<status>`, `completed_at`, `webhook`), the
 * list of its actions in item order, and the set of actions whose end was counted. Kept
 * `ttlSeconds` from creation, as its actions are. The actions themselves are ordinary action
 * records (ActionStore) carrying `batch_id`.
 */
export class BatchStore {
  readonly keys: Keys;

  constructor(
    readonly redis: RedisClient,
    readonly options: { prefix: string; ttlSeconds: number },
  ) {
    this.keys = keys(options.prefix);
    defineScripts(redis);
  }

  /** Creates the batch with its members (in item order) unless one with this id exists. */
  async create(meta: BatchMeta, members: BatchMember[]): Promise<boolean> {
    const created = await this.redis.dcCreateBatch(
      this.keys.batch(meta.id),
      this.keys.batchMembers(meta.id),
      JSON.stringify(meta),
      meta.total,
      this.options.ttlSeconds,
      ...members.map(memberEntry),
    );
    return created === 1;
  }

  /** Removes a batch that could not be queued (its actions are removed by the caller). */
  async remove(id: string): Promise<void> {
    await this.redis.del(this.keys.batch(id), this.keys.batchMembers(id), this.keys.batchEnded(id));
  }

  async get(id: string): Promise<Batch | null> {
    const fields = ACTION_STATUSES.map((status) => `count:${status}`);
    const [meta, ended, completedAt, webhook, ...counted] = await this.redis.hmget(this.keys.batch(id), 'meta', 'ended', 'completed_at', 'webhook', ...fields);
    if (!meta) return null;
    const counts = counted.every((c) => c !== null) ? (Object.fromEntries(ACTION_STATUSES.map((status, i) => [status, Math.max(0, Number(counted[i]))])) as BatchCounts) : null;
    return {
      ...(JSON.parse(meta) as BatchMeta),
      ended: Number(ended ?? 0),
      counts,
      completed_at: completedAt ?? null,
      ...(webhook ? { webhook: JSON.parse(webhook) as WebhookState } : {}),
    };
  }

  /** Members `from` to `from + count - 1` in item order (all of them by default). */
  async members(id: string, from = 0, count = -1): Promise<BatchMember[]> {
    const stop = count < 0 ? -1 : from + count - 1;
    return (await this.redis.lrange(this.keys.batchMembers(id), from, stop)).map(parseMember);
  }

  /** Each member's current status (read from its action record), null when the action expired. */
  async statuses(members: BatchMember[]): Promise<(ActionStatus | null)[]> {
    const replies = await sendTogether(this.redis, (c) => {
      for (const m of members) c.hget(this.keys.action(m.id), 'status');
    });
    return replies as (ActionStatus | null)[];
  }

  /** How many members are in each status; expired ones are left out. */
  static count(statuses: (ActionStatus | null)[]): BatchCounts {
    const counts: BatchCounts = { queued: 0, 'in-progress': 0, success: 0, error: 0 };
    for (const s of statuses) if (s) counts[s] += 1;
    return counts;
  }

  /**
   * Counts the end of one of the batch's actions; calling it again for the same action changes
   * nothing. Returns how many actions have not ended (0 once the batch is complete, on every call
   * after that too), or null when the batch is gone.
   */
  async recordEnd(batchId: string, actionId: string, now = new Date()): Promise<number | null> {
    const remaining = await this.redis.dcEndBatchAction(this.keys.batch(batchId), this.keys.batchEnded(batchId), actionId, now.toISOString());
    return remaining < 0 ? null : Math.max(0, remaining);
  }

  /** Sets the `batch.completed` delivery state unless one exists: 'created', 'exists' or 'missing' (no batch). */
  async beginWebhook(id: string, state: WebhookState): Promise<'created' | 'exists' | 'missing'> {
    await trackDelivery(this.redis, this.options.prefix, { kind: 'batch', id }, true);
    const r = await this.redis.dcSetBatchWebhook(this.keys.batch(id), JSON.stringify(state), 'nx');
    return r === 1 ? 'created' : r === 0 ? 'exists' : 'missing';
  }

  /**
   * Writes the delivery state while the batch exists, and keeps the index of failed deliveries
   * (`GET /webhooks/failed`, the failed-deliveries gauge, retry-failed) in step, as the actions'
   * deliveries do: listed while `failed`, out of it otherwise. False when the batch is gone.
   */
  async setWebhook(id: string, state: WebhookState): Promise<boolean> {
    const subject = { kind: 'batch', id } as const;
    if (state.state === 'pending') await trackDelivery(this.redis, this.options.prefix, subject, true);
    const written = (await this.redis.dcSetBatchWebhook(this.keys.batch(id), JSON.stringify(state), '')) === 1;
    if (state.state !== 'pending' || !written) await trackDelivery(this.redis, this.options.prefix, subject, false);
    const member = failedBatchMember(id);
    if (written && state.state === 'failed') {
      const failedAt = Date.parse(typeof state.failed_at === 'string' ? state.failed_at : '') || Date.now();
      await this.redis.zadd(this.keys.failedDeliveries, failedAt, member);
    } else {
      await this.redis.zrem(this.keys.failedDeliveries, member);
    }
    return written;
  }

  async getWebhook(id: string): Promise<WebhookState | null> {
    const raw = await this.redis.hget(this.keys.batch(id), 'webhook');
    return raw ? (JSON.parse(raw) as WebhookState) : null;
  }
}
