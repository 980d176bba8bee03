import type { Redis, Result } from 'ioredis';
import { GENERATION_QUEUES, generateJobId, type GenerateQueue, type GenerationQueueName } from '../queues.ts';
import { keys, type Keys } from '../store/keys.ts';

/** A submission refused because its owner already has `limit` actions queued. */
export class QueuedLimitError extends Error {
  constructor(
    readonly queued: number,
    readonly limit: number,
  ) {
    super(`${queued} actions of this API key are already queued (the limit is ${limit}); retry when some have started`);
    this.name = 'QueuedLimitError';
  }
}

// KEYS[1]: the owner's set on the target queue; KEYS[2..]: the owner's sets on every generation
// queue (the limit counts both). ARGV: member, now (ms), stale cutoff (ms), limit (0: none), TTL (ms).
// Returns {position among the owner's queued jobs on the target queue (1 = next), 1 if newly added},
// or {-1, queued} when the limit refuses it. A member already present is never refused.
const ADMIT_SCRIPT = `
for i = 2, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[3]) end
local present = redis.call('ZSCORE', KEYS[1], ARGV[1])
local limit = tonumber(ARGV[4])
if not present and limit > 0 then
  local queued = 0
  for i = 2, #KEYS do queued = queued + redis.call('ZCARD', KEYS[i]) end
  if queued >= limit then return {-1, queued} end
end
if not present then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {redis.call('ZRANK', KEYS[1], ARGV[1]) + 1, present and 0 or 1}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dcFairAdmit(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
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
    private readonly redis: Redis,
    private readonly options: { prefix: string; ttlSeconds: number },
  ) {
    this.keys = keys(options.prefix);
    if (typeof (redis as Partial<Redis>).dcFairAdmit !== 'function') redis.defineCommand('dcFairAdmit', { lua: ADMIT_SCRIPT });
  }

  private setKey(queue: GenerationQueueName, owner: string): string {
    return this.keys.fairQueued(queue, owner);
  }

  /**
   * Counts the action as queued for `owner` on `queue` and gives its priority; throws
   * QueuedLimitError when the owner already has `limit` actions queued (0: no limit).
   */
  async admit(owner: string, queue: GenerationQueueName, actionId: string, limit = 0): Promise<Admission> {
    const now = Date.now();
    const ttlMs = this.options.ttlSeconds * 1000;
    const sets = [this.setKey(queue, owner), ...GENERATION_QUEUES.map((q) => this.setKey(q, owner))];
    const [position, added] = await this.redis.dcFairAdmit(sets.length, ...sets, actionId, now, now - ttlMs, limit, ttlMs);
    if (position === -1) throw new QueuedLimitError(added, limit);
    return { priority: position, added: added === 1 };
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
   * Gives the owner's next queued job priority 1, if it has not got it yet. Idempotent; a job that
   * no longer exists is dropped from the line and the next one tried.
   */
  async promoteNext(owner: string, queue: GenerateQueue): Promise<void> {
    const key = this.setKey(queue.name as GenerationQueueName, owner);
    for (let tries = 0; tries < 5; tries++) {
      const [next] = await this.redis.zrange(key, 0, 0);
      if (next === undefined) return;
      const job = await queue.getJob(generateJobId(next));
      if (!job) {
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
