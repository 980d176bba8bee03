import type { Result } from 'ioredis';
import type { RedisClient } from '../redis.ts';
import { GENERATION_QUEUES, generateJobId, type GenerateQueue, type GenerationQueueName } from '../queues.ts';
import { keys, type Keys } from '../store/keys.ts';

/** A submission refused because its owner already has `limit` actions queued. */
export class QueuedLimitError extends Error {
  constructor(
    readonly queued: number,
    readonly limit: number,
    /** How many actions the refused submission held (a batch's valid items). */
    readonly submitted = 1,
  ) {
    super(
      submitted === 1
        ? `${queued} actions of this API key are already queued (the limit is ${limit}); retry when some have started`
        : `${queued} actions of this API key are already queued and this batch adds ${submitted} (the limit is ${limit}); retry when some have started, or send fewer items`,
    );
    this.name = 'QueuedLimitError';
  }
}

// KEYS: the owner's sets on every generation queue, in GENERATION_QUEUES order (one hash tag, the
// owner: one slot on a Redis Cluster); the limit counts them all. ARGV: stale cutoff (ms), limit
// (0: none), TTL (ms), then one triple per action: index of its queue's set in KEYS, score (when it
// was queued, ms), member. All or none: returns {-1, queued} when the new members would take the
// owner over the limit, else per action {position among the owner's queued jobs on its queue
// (1 = next), 1 if newly added}. Members already present are not counted against the limit again.
const ADMIT_SCRIPT = `
for i = 1, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1]) end
local limit = tonumber(ARGV[2])
if limit > 0 then
  local new = 0
  for j = 4, #ARGV, 3 do
    if not redis.call('ZSCORE', KEYS[tonumber(ARGV[j])], ARGV[j + 2]) then new = new + 1 end
  end
  if new > 0 then
    local queued = 0
    for i = 1, #KEYS do queued = queued + redis.call('ZCARD', KEYS[i]) end
    if queued + new > limit then return {-1, queued} end
  end
end
local out = {}
for j = 4, #ARGV, 3 do
  local key = KEYS[tonumber(ARGV[j])]
  local added = redis.call('ZADD', key, 'NX', ARGV[j + 1], ARGV[j + 2])
  out[#out + 1] = redis.call('ZRANK', key, ARGV[j + 2]) + 1
  out[#out + 1] = added
end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return out
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dcFairAdmit(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
  }
}

export interface Admission {
  /** The job's BullMQ priority: its place among the owner's queued jobs on that queue (1 = next). */
  priority: number;
  /** False when the action was already counted as queued (a repeated submission). */
  added: boolean;
}

/**
 * Fair share of the generation workers between API keys.
 *
 * Each owner's queued actions are kept per queue in a sorted set (scored by when they were queued).
 * A job's BullMQ priority is its place in its owner's line (1 for the owner's next job, n for the
 * n-th), and whenever one of an owner's jobs starts, the owner's next job is raised to priority 1.
 * So priority 1 always holds exactly one job per owner with work queued, in the order they reached
 * the front: workers take owners in turn, one job each, however many jobs each has queued, and a
 * newcomer's first job waits for at most one job of every other owner. Priorities stay small
 * (at most the queued limit), which BullMQ requires (1 to 2,097,152), and adding a prioritized
 * job costs O(log n) in BullMQ's sorted set.
 *
 * The sets also give the queued-job limit per owner, and entries older than the action TTL are
 * dropped (an action cannot wait longer than it lives), so a lost update cannot skew an owner's
 * place for ever.
 */
export class FairShare {
  private readonly keys: Keys;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix: string; ttlSeconds: number },
  ) {
    this.keys = keys(options.prefix);
    if (typeof (redis as Partial<RedisClient>).dcFairAdmit !== 'function') redis.defineCommand('dcFairAdmit', { lua: ADMIT_SCRIPT });
  }

  private setKey(queue: GenerationQueueName, owner: string): string {
    return this.keys.fairQueued(queue, owner);
  }

  /**
   * Counts the action as queued for `owner` on `queue` and gives its priority; throws
   * QueuedLimitError when the owner already has `limit` actions queued (0: no limit).
   */
  async admit(owner: string, queue: GenerationQueueName, actionId: string, limit = 0): Promise<Admission> {
    const [admission] = await this.admitMany(owner, [{ queue, actionId }], limit);
    return admission;
  }

  /**
   * `admit` for many actions of one owner at once (a batch's items), in one script: all are
   * admitted, in the order given (their place in line follows it), or none, with QueuedLimitError,
   * when they would take the owner over `limit` queued actions.
   */
  async admitMany(owner: string, actions: { queue: GenerationQueueName; actionId: string }[], limit = 0): Promise<Admission[]> {
    if (actions.length === 0) return [];
    const now = Date.now();
    const ttlMs = this.options.ttlSeconds * 1000;
    const sets = GENERATION_QUEUES.map((q) => this.setKey(q, owner));
    // Fractions of a millisecond apart, within the same millisecond: a batch's items queue in item order.
    const triples = actions.flatMap((a, i) => [GENERATION_QUEUES.indexOf(a.queue) + 1, String(now + i / actions.length), a.actionId]);
    const reply = await this.redis.dcFairAdmit(sets.length, ...sets, now - ttlMs, limit, ttlMs, ...triples);
    if (reply[0] === -1) throw new QueuedLimitError(reply[1], limit, actions.length);
    return actions.map((_, i) => ({ priority: reply[2 * i], added: reply[2 * i + 1] === 1 }));
  }

  /** The action no longer waits on `queue` (it was not queued after all, or moved). */
  async forget(owner: string, queue: GenerationQueueName, actionId: string): Promise<void> {
    await this.redis.zrem(this.setKey(queue, owner), actionId);
  }

  /** A worker took the action: it leaves its owner's line, and the owner's next job moves to the front. */
  async started(owner: string, queue: GenerateQueue, actionId: string): Promise<void> {
    await this.forget(owner, queue.name as GenerationQueueName, actionId);
    await this.promoteNext(owner, queue);
  }

  /**
   * Gives the owner's next queued job priority 1, if it has not got it yet. Idempotent. An entry
   * whose job no longer exists (its submission failed part-way, Redis being away) or has already
   * started (a `started` that did not reach Redis) is dropped from the line and the next one tried.
   */
  async promoteNext(owner: string, queue: GenerateQueue): Promise<void> {
    const key = this.setKey(queue.name as GenerationQueueName, owner);
    for (let tries = 0; tries < 5; tries++) {
      const [next] = await this.redis.zrange(key, 0, 0);
      if (next === undefined) return;
      const job = await queue.getJob(generateJobId(next));
      if (!job || job.processedOn) {
        await this.redis.zrem(key, next);
        continue;
      }
      if (job.priority !== 1) await job.changePriority({ priority: 1 });
      return;
    }
  }

  /** How many actions the owner has queued on each generation queue. */
  async queued(owner: string): Promise<Record<GenerationQueueName, number>> {
    const counts = await Promise.all(GENERATION_QUEUES.map((q) => this.redis.zcard(this.setKey(q, owner))));
    return Object.fromEntries(GENERATION_QUEUES.map((q, i) => [q, counts[i]])) as Record<GenerationQueueName, number>;
  }
}
