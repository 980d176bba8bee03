import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Result } from 'ioredis';
import { sendTogether, type RedisClient } from '../redis.ts';
import { keys, type Keys } from './keys.ts';
import { trackDelivery } from './pending-deliveries.ts';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** The platform's vocabulary for an action's life. */
export type ActionStatus = 'queued' | 'in-progress' | 'success' | 'error';
export const ACTION_STATUSES: readonly ActionStatus[] = ['queued', 'in-progress', 'success', 'error'];
export const FINISHED_STATUSES: readonly ActionStatus[] = ['success', 'error'];

/** Error codes an action can end with. */
export type ActionErrorCode = 'invalid_structure' | 'invalid_supercell' | 'invalid_request' | 'download_failed' | 'timeout' | 'internal' | 'lost_job';

export interface ActionError {
  message: string;
  code: ActionErrorCode | string;
  type: string;
  retryable: boolean;
}

export interface ActionProgress {
  stage: string;
  percent: number;
}

/** Where the structure comes from; the inline text itself is kept apart (see `getInput`). */
export interface ActionInput {
  kind: 'inline' | 'url';
  url?: string;
  filename?: string;
  format?: string;
  /** Element of each species block, given for a VASP 4 POSCAR. */
  species?: string[];
  type?: string;
  name?: string;
  org_id?: string;
  team_id?: string;
}

/** What the Ouro platform sent in its `ouro-*` headers, kept for the completion webhook. */
export interface PlatformContext {
  action_id: string;
  webhook_url?: string;
  webhook_token?: string;
  route_id?: string;
  route_org_id?: string;
  route_team_id?: string;
  user_id?: string;
}

export interface WebhookAttempt {
  at: string;
  status?: number;
  error?: string;
  latency_ms: number;
}

/** Delivery state, written by the webhook deliverer. */
export interface WebhookState {
  state: 'pending' | 'delivered' | 'failed';
  kind: 'platform' | 'direct';
  message_id: string;
  attempts: WebhookAttempt[];
  [extra: string]: unknown;
}

export interface ActionMeta {
  id: string;
  /** API key name, or 'ouro' for the platform. */
  owner: string;
  status: ActionStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: ActionProgress;
  /** The request with the core's defaults resolved. */
  parameters: Record<string, unknown>;
  input: ActionInput;
  error?: ActionError;
  platform?: PlatformContext;
  /** Direct (Standard Webhooks) delivery target from the request body. */
  webhook_url?: string;
  /** The batch this action is an item of (POST /batches). */
  batch_id?: string;
  /** How many times a worker started on it (more than one after a worker died mid-job). */
  runs: number;
  /** The generation queue its job is on: `generate`, or `generate-heavy` for jobs estimated (or found) long. */
  queue?: 'generate' | 'generate-heavy';
  /** SHA-256 of the request body (canonical JSON): a repeated action id must come with the same body. */
  request_fingerprint?: string;
}

export interface Action extends ActionMeta {
  webhook?: WebhookState;
}

export type NewAction = Pick<ActionMeta, 'id' | 'owner' | 'parameters' | 'input'> &
  Partial<Pick<ActionMeta, 'platform' | 'webhook_url' | 'batch_id' | 'created_at' | 'queue' | 'request_fingerprint'>>;

export interface ListOptions {
  status?: ActionStatus;
  limit?: number;
  cursor?: string | null;
}

export interface ActionPage {
  actions: Action[];
  next_cursor: string | null;
}

/** A response already serialised and gzip-compressed (e.g. by the generation thread). */
export interface EncodedResponse {
  gzip: Uint8Array;
}

export type ActionFinishedListener = (action: Action) => void | Promise<void>;

/** Job durations are kept as histogram buckets in Redis so every worker contributes to one metric. */
export const DURATION_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function durationBucket(seconds: number): string {
  const le = DURATION_BUCKETS_SECONDS.find((b) => seconds <= b);
  return le === undefined ? '+Inf' : String(le);
}

// Every script here touches one key (the action's hash), so each runs on a Redis Cluster too,
// where a script may only touch keys of one slot. What spans keys (the listing indexes, the
// statistics) is written by separate commands after the script, and tolerates a crash in between.

// Creates the record only if the id is new; returns 1, or the existing meta.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGET', KEYS[1], 'meta')
end
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'status', 'queued')
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'input', ARGV[2]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

// Check-and-set on the status field: the only way an action's status changes. A finished action
// can never be finished again, which is what makes "completes once" hold with many workers.
// KEYS[2], for a batch's item, is its batch's hash (same hash tag, so the same slot on a cluster):
// the change is counted there in the same step (`count:<status>`), so the batch's counts never
// drift from its actions' statuses. A batch without count fields (created before they existed)
// is left alone. Returns -1 (no such action), 0 (status not allowed: nothing written) or 1.
const TRANSITION_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return -1 end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == cur then allowed = true end
end
if not allowed then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'meta', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'response', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[1], 'completions', 1) end
if #KEYS > 1 and cur ~= ARGV[2] and redis.call('HEXISTS', KEYS[2], 'count:' .. cur) == 1 then
  redis.call('HINCRBY', KEYS[2], 'count:' .. cur, -1)
  redis.call('HINCRBY', KEYS[2], 'count:' .. ARGV[2], 1)
end
return 1
`;

// Writes a field only while the action exists (HSET alone would resurrect an expired one).
const SET_FIELD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dcCreateAction(key: string, meta: string, input: Buffer | string, ttl: number): Result<number | string, Context>;
    dcTransition(numKeys: number, ...keysThenArgs: (string | Buffer)[]): Result<number, Context>;
    dcSetField(k1: string, field: string, value: string | Buffer): Result<number, Context>;
  }
}

function defineScripts(redis: RedisClient): void {
  if (typeof (redis as Partial<RedisClient>).dcTransition === 'function') return;
  redis.defineCommand('dcCreateAction', { numberOfKeys: 1, lua: CREATE_SCRIPT });
  redis.defineCommand('dcTransition', { lua: TRANSITION_SCRIPT });
  redis.defineCommand('dcSetField', { numberOfKeys: 1, lua: SET_FIELD_SCRIPT });
}

/** Index members sort by creation time, then id: `<13-digit ms>:<id>`. */
function indexMember(createdAt: string, id: string): string {
  return `${String(Date.parse(createdAt)).padStart(13, '0')}:${id}`;
}

function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'InvalidCursorError';
  }
}

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{13}:[A-Za-z0-9._-]+$/.test(member)) throw new InvalidCursorError();
  return member;
}

export interface ActionStoreOptions {
  prefix: string;
  ttlSeconds: number;
}

/**
 * Action records in Redis: one hash per action (`meta`, `status`, `response`, `input`, `webhook`),
 * kept `ttlSeconds` from creation whatever BullMQ does with its jobs, plus two indexes
 * (all actions, per owner) for newest-first listing, and the actions not yet ended
 * (`activeActions`: written before a record is created, cleared after its end), which the
 * reconciler reads instead of scanning every action.
 */
export class ActionStore {
  readonly keys: Keys;
  private readonly listeners = new Set<ActionFinishedListener>();

  constructor(
    readonly redis: RedisClient,
    readonly options: ActionStoreOptions,
  ) {
    this.keys = keys(options.prefix);
    defineScripts(redis);
  }

  /**
   * Registers a callback run after an action reaches `success` or `error` (once per recorded end;
   * again when a worker finds an already finished action on a retried job, so listeners must be
   * idempotent). Returns a function that unregisters it.
   */
  onActionFinished(listener: ActionFinishedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs the finished-listeners; a listener's failure is thrown after all of them ran. Once they
   * all succeeded for an ended action, the reconciler stops watching it: an entry left behind
   * (a failure, or a crash before this point) makes the reconciler run them again, which is what
   * mends them.
   */
  async notifyFinished(action: Action): Promise<void> {
    const errors: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        await listener(action);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several action-finished listeners failed');
    if (FINISHED_STATUSES.includes(action.status)) await this.unwatch([action.id]).catch(() => undefined);
  }

  /**
   * Creates the action unless one with this id exists. `inputContent` is the inline structure
   * text, stored beside the record for the worker (gzip-compressed unless short).
   */
  async create(init: NewAction, inputContent?: string): Promise<{ created: boolean; action: Action }> {
    const meta = newMeta(init);
    const input = inputContent === undefined ? '' : await encodeInput(inputContent);
    // Watched before it exists (see `activeActions`): a crash in between leaves the reconciler an
    // entry without a record, which it drops, never a record it does not watch.
    await this.redis.zadd(this.keys.activeActions, 'NX', Date.now(), meta.id);
    const reply = await this.redis.dcCreateAction(this.keys.action(meta.id), JSON.stringify(meta), input, this.options.ttlSeconds);
    const existing = reply === 1 ? null : ((await this.get(meta.id)) ?? (JSON.parse(String(reply)) as ActionMeta));
    // Listed after it exists; listing again an action that existed mends an index write that a
    // crash between the two cut short (the member is the same, so it is never listed twice).
    await this.index([existing ?? meta]);
    // A replay of an action that has ended must not leave it watched: the reconciler would report it as mended lost work.
    if (existing && FINISHED_STATUSES.includes(existing.status)) await this.unwatch([existing.id]);
    return existing ? { created: false, action: existing } : { created: true, action: meta };
  }

  /**
   * `create` for many actions at once (a batch): the records in round trips of CREATE_CHUNK, their
   * index entries in one more. The event loop turns between chunks (each waits for Redis), so a
   * thousand actions never hold it in one stretch. Returns, in order, whether each was created and
   * the action as stored.
   */
  async createMany(items: { init: NewAction; inputContent?: string }[]): Promise<{ created: boolean; action: Action }[]> {
    const out: { created: boolean; action: Action }[] = [];
    for (let from = 0; from < items.length; from += CREATE_CHUNK) {
      const chunk = items.slice(from, from + CREATE_CHUNK);
      const metas = chunk.map((item) => newMeta(item.init));
      const inputs = await Promise.all(chunk.map((item) => (item.inputContent === undefined ? '' : encodeInput(item.inputContent))));
      // In the active index before the records exist, so the reconciler sees any record whose job never comes.
      await this.redis.zadd(this.keys.activeActions, 'NX', ...metas.flatMap((meta) => [Date.now(), meta.id]));
      const replies = await sendTogether(this.redis, (c) => {
        metas.forEach((meta, i) => c.dcCreateAction(this.keys.action(meta.id), JSON.stringify(meta), inputs[i], this.options.ttlSeconds));
      });
      out.push(...metas.map((meta, i) => (replies[i] === 1 ? { created: true, action: meta } : { created: false, action: JSON.parse(String(replies[i])) as ActionMeta })));
    }
    await this.index(out.map((o) => o.action));
    const ended = out.filter((o) => !o.created && FINISHED_STATUSES.includes(o.action.status)).map((o) => o.action.id);
    if (ended.length > 0) await this.unwatch(ended);
    return out;
  }

  /**
   * Adds actions to the listing indexes (everyone's and their owner's) and drops index entries
   * older than the action lifetime, in one round trip.
   */
  async index(actions: Pick<ActionMeta, 'id' | 'owner' | 'created_at'>[]): Promise<void> {
    if (actions.length === 0) return;
    const cutoff = `(${String(Date.now() - this.options.ttlSeconds * 1000).padStart(13, '0')}`;
    const byOwner = new Map<string, string[]>();
    for (const a of actions) byOwner.set(a.owner, [...(byOwner.get(a.owner) ?? []), indexMember(a.created_at, a.id)]);
    await sendTogether(this.redis, (c) => {
      c.zadd(this.keys.indexAll, ...[...byOwner.values()].flat().flatMap((m) => [0, m]));
      c.zremrangebylex(this.keys.indexAll, '-', cutoff);
      for (const [owner, members] of byOwner) {
        const key = this.keys.indexOwner(owner);
        c.zadd(key, ...members.flatMap((m) => [0, m]));
        c.zremrangebylex(key, '-', cutoff);
        c.expire(key, this.options.ttlSeconds);
      }
    });
  }

  /** The actions not yet ended that the reconciler should look at: created or last seen live at or before `before` (ms), oldest first. */
  async watched(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.activeActions, '-inf', before, 'LIMIT', 0, limit);
  }

  /** Marks watched actions as seen with a live job now, so the reconciler looks again only after its grace period. */
  async touchWatched(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zadd(this.keys.activeActions, 'XX', ...ids.flatMap((id) => [Date.now(), id]));
  }

  /** Stops watching actions that ended (or are gone). */
  async unwatch(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zrem(this.keys.activeActions, ...ids);
  }

  /** Removes an action that could not be queued, so a retry of the same request starts clean. */
  async remove(id: string, owner: string): Promise<void> {
    const action = await this.get(id);
    await this.removeMany([{ id, owner, created_at: action?.created_at ?? null }]);
  }

  /** Removes actions (records and index entries) that could not be queued, e.g. a batch's. */
  async removeMany(actions: { id: string; owner: string; created_at: string | null }[]): Promise<void> {
    await sendTogether(this.redis, (c) => {
      for (const { id, owner, created_at } of actions) {
        c.del(this.keys.action(id));
        c.zrem(this.keys.activeActions, id);
        if (created_at === null) continue;
        const member = indexMember(created_at, id);
        c.zrem(this.keys.indexAll, member).zrem(this.keys.indexOwner(owner), member);
      }
    });
  }

  async get(id: string): Promise<Action | null> {
    return parseAction((await this.redis.hmget(this.keys.action(id), 'meta', 'webhook')) as [string | null, string | null]);
  }

  /** Many actions in one round trip, in order; null for those that do not exist (or expired). */
  async getMany(ids: string[]): Promise<(Action | null)[]> {
    const rows = await sendTogether(this.redis, (c) => {
      for (const id of ids) c.hmget(this.keys.action(id), 'meta', 'webhook');
    });
    return rows.map((row) => parseAction(row as [string | null, string | null]));
  }

  /** The inline structure text submitted with the action, if any. */
  async getInput(id: string): Promise<string | null> {
    const buf = await this.redis.hgetBuffer(this.keys.action(id), 'input');
    if (!buf || buf.length === 0) return null;
    return isGzip(buf) ? (await gunzip(buf)).toString('utf8') : buf.toString('utf8');
  }

  /**
   * Keeps a downloaded structure with the action (stored as inline ones are), and the warnings of
   * unpacking it, so that a job moved to another queue does not download it again and its answer
   * still says what was assumed. False when the action is gone.
   */
  async saveInput(id: string, content: string, warnings: string[] = []): Promise<boolean> {
    const key = this.keys.action(id);
    if (warnings.length > 0 && (await this.redis.dcSetField(key, 'input_warnings', JSON.stringify(warnings))) !== 1) return false;
    return (await this.redis.dcSetField(key, 'input', await encodeInput(content))) === 1;
  }

  /** The warnings `saveInput` kept with a downloaded structure; none when there were none. */
  async getInputWarnings(id: string): Promise<string[]> {
    const raw = await this.redis.hget(this.keys.action(id), 'input_warnings');
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  /** The answer of a successful action, decompressed and parsed. */
  async getResponse(id: string): Promise<unknown | null> {
    const buf = await this.getResponseGzip(id);
    if (!buf) return null;
    return JSON.parse((await gunzip(buf)).toString('utf8'));
  }

  /** The stored (gzip-compressed JSON) answer, as it sits in Redis. */
  async getResponseGzip(id: string): Promise<Buffer | null> {
    const buf = await this.redis.hgetBuffer(this.keys.action(id), 'response');
    return buf && buf.length > 0 ? buf : null;
  }

  /**
   * A worker takes the action up. Returns the updated action, or `{ finished }` when it already
   * ended (a retried or re-delivered job), or null when the record is gone (expired).
   */
  async markStarted(id: string): Promise<{ action: Action; started: boolean } | null> {
    const current = await this.get(id);
    if (!current) return null;
    if (FINISHED_STATUSES.includes(current.status)) return { action: current, started: false };
    const next: ActionMeta = {
      ...stripWebhook(current),
      status: 'in-progress',
      started_at: current.started_at ?? new Date().toISOString(),
      progress: { stage: 'started', percent: 0 },
      runs: (current.runs ?? 0) + 1,
    };
    const r = await this.transition(id, ['queued', 'in-progress'], next);
    if (r === 1) return { action: { ...next, ...(current.webhook ? { webhook: current.webhook } : {}) }, started: true };
    const after = await this.get(id);
    return after ? { action: after, started: false } : null;
  }

  /**
   * A running action handed back to a queue (worker shutting down, or moved to `generate-heavy`):
   * `queued` again, on `queue` when given.
   */
  async requeue(id: string, queue?: ActionMeta['queue']): Promise<boolean> {
    const current = await this.get(id);
    if (!current || current.status !== 'in-progress') return false;
    const next: ActionMeta = { ...stripWebhook(current), status: 'queued', progress: { stage: 'queued', percent: 0 }, ...(queue ? { queue } : {}) };
    return (await this.transition(id, ['in-progress'], next)) === 1;
  }

  /** Records progress while the action runs; ignored once it has ended. */
  async setProgress(id: string, stage: string, percent: number): Promise<void> {
    const current = await this.get(id);
    if (!current || current.status !== 'in-progress') return;
    const next: ActionMeta = { ...stripWebhook(current), progress: { stage, percent: Math.max(0, Math.min(100, Math.round(percent))) } };
    await this.transition(id, ['in-progress'], next);
  }

  /**
   * Ends the action with its answer. Returns false when it had already ended (another worker won):
   * nothing is written then and no listener runs.
   */
  async complete(id: string, response: unknown | EncodedResponse): Promise<boolean> {
    const gz = isEncoded(response) ? Buffer.from(response.gzip) : await gzip(Buffer.from(JSON.stringify(response), 'utf8'));
    return this.finish(id, 'success', undefined, gz);
  }

  /** Ends the action with an error; false when it had already ended. */
  async fail(id: string, error: ActionError): Promise<boolean> {
    return this.finish(id, 'error', error, undefined);
  }

  /** How many times an end was recorded for this action (1 for a finished one, by construction). */
  async completionCount(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.action(id), 'completions')) ?? 0);
  }

  /**
   * Writes the action's delivery state while the action exists (false when it is gone), keeping
   * the pending-deliveries index in step (see `trackDelivery`).
   */
  async setWebhook(id: string, state: WebhookState): Promise<boolean> {
    const subject = { kind: 'action', id } as const;
    if (state.state === 'pending') await trackDelivery(this.redis, this.options.prefix, subject, true);
    const written = (await this.redis.dcSetField(this.keys.action(id), 'webhook', JSON.stringify(state))) === 1;
    if (state.state !== 'pending' || !written) await trackDelivery(this.redis, this.options.prefix, subject, false);
    return written;
  }

  async getWebhook(id: string): Promise<WebhookState | null> {
    const raw = await this.redis.hget(this.keys.action(id), 'webhook');
    return raw ? (JSON.parse(raw) as WebhookState) : null;
  }

  /**
   * Newest first. `owner` null lists everyone's (operators). The cursor is opaque; actions that
   * expired are dropped from the index as the listing meets them.
   */
  async list(owner: string | null, options: ListOptions = {}): Promise<ActionPage> {
    const limit = Math.max(1, Math.min(options.limit ?? 20, 100));
    const index = owner === null ? this.keys.indexAll : this.keys.indexOwner(owner);
    let upper = options.cursor ? `(${decodeCursor(options.cursor)}` : '+';
    const found: Action[] = [];
    const batch = Math.max(limit * 2, 50);
    // A status filter over a long history must not turn one request into a full scan: past this
    // many index entries the page is returned short, with a cursor to go on from.
    const scanCap = 5000;
    let scanned = 0;
    let next: string | null = null;
    const gone: string[] = [];
    scan: while (true) {
      const members = await this.redis.zrevrangebylex(index, upper, '-', 'LIMIT', 0, batch);
      if (members.length === 0) break;
      const actions = await this.getMany(members.map((m) => m.slice(m.indexOf(':') + 1)));
      const exhausted = members.length < batch;
      for (let i = 0; i < members.length; i++) {
        scanned++;
        const action = actions[i];
        if (!action) {
          gone.push(members[i]);
          continue;
        }
        if (options.status && action.status !== options.status) continue;
        found.push(action);
        if (found.length === limit) {
          if (!(exhausted && i === members.length - 1)) next = members[i];
          break scan;
        }
      }
      if (exhausted) break;
      upper = `(${members[members.length - 1]}`;
      if (scanned >= scanCap) {
        next = members[members.length - 1];
        break;
      }
    }
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return { actions: found, next_cursor: next ? encodeCursor(next) : null };
  }

  private async finish(id: string, status: 'success' | 'error', error: ActionError | undefined, response: Buffer | undefined): Promise<boolean> {
    const current = await this.get(id);
    if (!current || FINISHED_STATUSES.includes(current.status)) return false;
    const finishedAt = new Date();
    const next: ActionMeta = {
      ...stripWebhook(current),
      status,
      finished_at: finishedAt.toISOString(),
      started_at: current.started_at ?? finishedAt.toISOString(),
      progress: status === 'success' ? { stage: 'done', percent: 100 } : current.progress,
      ...(error ? { error } : {}),
    };
    const r = await this.transition(id, ['queued', 'in-progress'], next, response, true);
    if (r !== 1) return false;
    const seconds = Math.max(0, (finishedAt.getTime() - Date.parse(next.started_at!)) / 1000);
    await this.recordStats(`${status}|${error?.code ?? ''}`, seconds);
    await this.notifyFinished({ ...next, ...(current.webhook ? { webhook: current.webhook } : {}) });
    return true;
  }

  /**
   * Counts an end in the fleet's statistics. Only the process whose check-and-set recorded the end
   * gets here, so an end is counted once; a crash or a Redis failure just before leaves it
   * uncounted, which is all a metric loses (the action's own record is already written).
   */
  private async recordStats(outcome: string, seconds: number): Promise<void> {
    await sendTogether(this.redis, (c) => {
      c.hincrby(this.keys.statsOutcomes, outcome, 1);
      c.hincrby(this.keys.statsDurations, durationBucket(seconds), 1);
      c.hincrby(this.keys.statsDurations, 'count', 1);
      c.hincrbyfloat(this.keys.statsDurations, 'sum', seconds.toFixed(6));
    }).catch(() => undefined);
  }

  private transition(id: string, from: ActionStatus[], next: ActionMeta, response?: Buffer, ends = false): Promise<number> {
    const args = [from.join(','), next.status, JSON.stringify(next), response ?? '', ends ? '1' : '0'];
    // A batch's item: its batch's counts change in the same script (keys.ts gives both one hash tag).
    if (next.batch_id) return this.redis.dcTransition(2, this.keys.action(id), this.keys.batch(next.batch_id), ...args);
    return this.redis.dcTransition(1, this.keys.action(id), ...args);
  }
}

/** Actions created per round trip by `createMany`. */
const CREATE_CHUNK = 100;

/**
 * Inputs below this many bytes are stored as they are: gzip would save a few hundred bytes at
 * most, and costs more CPU per call than everything else about creating an action (batches
 * create thousands per second).
 */
const RAW_INPUT_BYTES = 1024;

/** The stored form of an inline structure: its text when short, else gzip (told apart by gzip's magic bytes, which no structure text starts with). */
async function encodeInput(text: string): Promise<Buffer | string> {
  return Buffer.byteLength(text, 'utf8') < RAW_INPUT_BYTES ? text : gzip(Buffer.from(text, 'utf8'));
}

function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** An action from its hash's `meta` and `webhook` fields. */
function parseAction([meta, webhook]: [string | null, string | null]): Action | null {
  if (!meta) return null;
  const action = JSON.parse(meta) as Action;
  if (webhook) action.webhook = JSON.parse(webhook) as WebhookState;
  return action;
}

function newMeta(init: NewAction): ActionMeta {
  return {
    id: init.id,
    owner: init.owner,
    status: 'queued',
    created_at: init.created_at ?? new Date().toISOString(),
    started_at: null,
    finished_at: null,
    progress: { stage: 'queued', percent: 0 },
    parameters: init.parameters,
    input: init.input,
    ...(init.platform ? { platform: init.platform } : {}),
    ...(init.webhook_url ? { webhook_url: init.webhook_url } : {}),
    ...(init.batch_id ? { batch_id: init.batch_id } : {}),
    runs: 0,
    ...(init.queue ? { queue: init.queue } : {}),
    ...(init.request_fingerprint ? { request_fingerprint: init.request_fingerprint } : {}),
  };
}

function isEncoded(value: unknown): value is EncodedResponse {
  return typeof value === 'object' && value !== null && (value as EncodedResponse).gzip instanceof Uint8Array && Object.keys(value).length === 1;
}

function stripWebhook(action: Action): ActionMeta {
  const { webhook: _webhook, ...meta } = action;
  return meta;
}
