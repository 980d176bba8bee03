import { Queue } from 'bullmq';
import { keys } from '@defect-candidates/service/store/keys';
import { GENERATE_QUEUE, WEBHOOKS_QUEUE, generateJobId } from '@defect-candidates/service/queues';
import { deliveryJobId } from '@defect-candidates/service/webhooks/queue';
import { sendTogether, type RedisClient } from '@defect-candidates/service/redis';
import type { TestApi } from './service.ts';

export interface BulkStatus {
  status: string;
  completions: number;
  runs: number;
  errorCode: string | undefined;
  webhookState: string | undefined;
  /** Delivery attempts recorded on the action so far. */
  webhookAttempts: number;
}

/**
 * Reads status, completion count, runs and webhook state of many actions straight from their
 * Redis records (one pipelined round trip per 500 on one Redis), which is how a test follows a
 * thousand actions without a thousand polling loops through the API.
 */
export async function readStatuses(redis: RedisClient, prefix: string, ids: string[]): Promise<Map<string, BulkStatus>> {
  const k = keys(prefix);
  const out = new Map<string, BulkStatus>();
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const replies = await sendTogether(redis, (c) => {
      for (const id of batch) c.hmget(k.action(id), 'meta', 'completions', 'webhook');
    });
    batch.forEach((id, j) => {
      const value = replies[j];
      if (!Array.isArray(value) || value[0] === null) return;
      const [metaText, completions, webhookText] = value as (string | null)[];
      const meta = JSON.parse(metaText!) as { status: string; runs?: number; error?: { code?: string } };
      const webhook = webhookText ? (JSON.parse(webhookText) as { state?: string; attempts?: unknown[] }) : undefined;
      out.set(id, {
        status: meta.status,
        completions: Number(completions ?? 0),
        runs: meta.runs ?? 0,
        errorCode: meta.error?.code,
        webhookState: webhook?.state,
        webhookAttempts: webhook?.attempts?.length ?? 0,
      });
    });
  }
  return out;
}

/**
 * Polls until `done` holds for every action or `timeoutMs` passes; returns the last statuses
 * either way (the caller's assertions then say what is missing, which beats a bare timeout).
 * `onTick` runs after each poll with the statuses, so a test can act part-way (kill a worker).
 */
export async function waitForAll(
  redis: RedisClient,
  prefix: string,
  ids: string[],
  options: { done: (s: BulkStatus | undefined) => boolean; timeoutMs: number; intervalMs?: number; onTick?: (statuses: Map<string, BulkStatus>) => Promise<void> | void },
): Promise<Map<string, BulkStatus>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    let statuses: Map<string, BulkStatus>;
    try {
      statuses = await readStatuses(redis, prefix, ids);
    } catch {
      // Redis away (a test that restarts it): try again on the next tick.
      statuses = new Map();
    }
    await options.onTick?.(statuses);
    if (ids.every((id) => options.done(statuses.get(id))) || Date.now() > deadline) return statuses;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

export const isFinished = (s: BulkStatus | undefined) => s?.status === 'success' || s?.status === 'error';

/** Counts statuses for a failure message: `{ success: 998, queued: 2 }`. */
export function tally(statuses: Map<string, BulkStatus>, ids: string[], pick: (s: BulkStatus | undefined) => string = (s) => s?.status ?? 'missing'): Record<string, number> {
  const t: Record<string, number> = {};
  for (const id of ids) {
    const key = pick(statuses.get(id));
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

/**
 * Submits `count` requests through the API, `concurrency` at a time, as a careful client does:
 * each with its own Idempotency-Key, retried on a 503 (the API's answer while Redis is slow or
 * away) every 250 ms, `retries` times (10). Every one must end accepted (202).
 */
export async function submitMany(
  api: TestApi,
  count: number,
  body: (i: number) => unknown,
  options: { concurrency?: number; as?: 'alice' | 'bob'; retries?: number; onAccepted?: (id: string, index: number) => void } = {},
): Promise<string[]> {
  const ids: string[] = new Array(count);
  const batch = Math.random().toString(36).slice(2);
  let next = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < count) {
      const i = next++;
      let res = await api.call('POST', '/generate-point-defect-candidates', { body: body(i), as: options.as ?? 'alice', headers: { 'idempotency-key': `bulk-${batch}-${i}` } });
      for (let retry = 0; res.status === 503 && retry < (options.retries ?? 10); retry++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await api.call('POST', '/generate-point-defect-candidates', { body: body(i), as: options.as ?? 'alice', headers: { 'idempotency-key': `bulk-${batch}-${i}` } });
      }
      if (res.status !== 202) failures.push(`#${i}: ${res.status} ${res.raw.toString('utf8').slice(0, 300)}`);
      else {
        ids[i] = res.body.id as string;
        options.onAccepted?.(ids[i], i);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, lane));
  if (failures.length > 0) throw new Error(`${failures.length} of ${count} submissions were not accepted: ${failures.slice(0, 3).join(' | ')}`);
  return ids;
}

/** Resolves once `condition` holds; rejects after `timeoutMs` naming what was awaited. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * For a failing fault test: each action that is not `done`, with what would explain it: its
 * status, runs, generation queue, its generation job's BullMQ state (and failed reason), its
 * webhook state and its delivery job's state. One line per action, at most `limit`.
 */
export async function describeStuck(
  redis: RedisClient,
  prefix: string,
  ids: string[],
  done: (s: BulkStatus | undefined) => boolean,
  limit = 20,
): Promise<string> {
  const statuses = await readStatuses(redis, prefix, ids);
  const stuck = ids.filter((id) => !done(statuses.get(id))).slice(0, limit);
  if (stuck.length === 0) return '(none stuck)';
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    if (!queues.has(name)) queues.set(name, new Queue(name, { connection: redis, prefix }));
    return queues.get(name)!;
  };
  const lines: string[] = [];
  try {
    for (const id of stuck) {
      const meta = JSON.parse((await redis.hget(keys(prefix).action(id), 'meta')) ?? 'null') as { queue?: string } | null;
      const s = statuses.get(id);
      const onQueue = meta?.queue ?? GENERATE_QUEUE;
      const job = await queue(onQueue).getJob(generateJobId(id));
      const jobState = job ? await job.getState() : 'none';
      const delivery = await queue(WEBHOOKS_QUEUE).getJob(deliveryJobId(id));
      const deliveryState = delivery ? await delivery.getState() : 'none';
      lines.push(
        `${id}: ${s?.status ?? 'missing'} runs=${s?.runs ?? '?'} queue=${onQueue} job=${jobState}` +
          `${job?.failedReason ? ` (${job.failedReason})` : ''} attempts=${job?.attemptsMade ?? '-'} stalled=${job?.stalledCounter ?? '-'}` +
          ` webhook=${s?.webhookState ?? 'none'}/${s?.webhookAttempts ?? 0} delivery_job=${deliveryState}${delivery?.failedReason ? ` (${delivery.failedReason})` : ''}`,
      );
    }
  } finally {
    for (const q of queues.values()) await q.close();
  }
  return lines.join('\n');
}
