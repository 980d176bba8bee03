import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Config } from './config.ts';

export const GENERATE_QUEUE = 'generate';
/** Jobs estimated (or found) too long for the `generate` queue; only heavy workers take them. */
export const HEAVY_QUEUE = 'generate-heavy';
export const WEBHOOKS_QUEUE = 'webhooks';

/** The two generation queues: light jobs, and heavy ones kept apart so small jobs never wait behind them. */
export type GenerationQueueName = typeof GENERATE_QUEUE | typeof HEAVY_QUEUE;
export const GENERATION_QUEUES: readonly GenerationQueueName[] = [GENERATE_QUEUE, HEAVY_QUEUE];

/** BullMQ's lowest priority (numbers above it are refused). */
export const PRIORITY_LIMIT = 2 ** 21;

/** What a generation job carries: only a pointer, the action record holds the rest. */
export interface GenerateJobData {
  action_id: string;
}

/** What a generation job returns: again a pointer, never the answer. */
export interface GenerateJobResult {
  action_id: string;
  /** `moved`: over the light budget on `generate`, handed to `generate-heavy`. */
  status: 'success' | 'error' | 'moved';
}

/**
 * One job per action: the job id is derived from the action id, so adding it twice is a no-op
 * while the job exists. BullMQ refuses integer-looking ids and ':' in custom ids, hence the prefix
 * and the restricted action-id alphabet.
 */
export function generateJobId(actionId: string): string {
  return `generate-${actionId}`;
}

export function actionIdFromJobId(jobId: string): string {
  return jobId.startsWith('generate-') ? jobId.slice('generate-'.length) : jobId;
}

export function generateJobOptions(config: Pick<Config, 'downloadAttempts' | 'downloadRetryDelayMs' | 'jobKeepCompletedSeconds' | 'jobKeepFailedSeconds'>, actionId: string): JobsOptions {
  return {
    jobId: generateJobId(actionId),
    // Attempts exist for transient download failures; other errors end the job at once.
    attempts: config.downloadAttempts,
    backoff: { type: 'exponential', delay: config.downloadRetryDelayMs },
    removeOnComplete: { age: config.jobKeepCompletedSeconds, count: 10_000 },
    removeOnFail: { age: config.jobKeepFailedSeconds, count: 10_000 },
  };
}

export type GenerateQueue = Queue<GenerateJobData, GenerateJobResult>;

/**
 * The BullMQ prefix: KEY_PREFIX on one Redis; on a Redis Cluster `{KEY_PREFIX}`, a hash tag, because
 * BullMQ's scripts touch several keys of a queue at once and a cluster runs a script only on keys
 * of one slot (BullMQ's "Redis Cluster" guide). Single-node deployments keep their existing keys.
 */
export function queuePrefix(config: Pick<Config, 'keyPrefix'> & Partial<Pick<Config, 'redisClusterNodes'>>): string {
  return config.redisClusterNodes ? `{${config.keyPrefix}}` : config.keyPrefix;
}

export function createGenerateQueue(config: Parameters<typeof queuePrefix>[0], connection: ConnectionOptions, name: GenerationQueueName = GENERATE_QUEUE): GenerateQueue {
  return new Queue<GenerateJobData, GenerateJobResult>(name, { connection, prefix: queuePrefix(config) });
}

/** A job's priority as BullMQ takes it: 1 (first) to PRIORITY_LIMIT. */
function clampPriority(priority: number): number {
  return Math.min(Math.max(1, priority), PRIORITY_LIMIT);
}

/**
 * Adds the action's job. `priority` is its place among its owner's queued jobs (1 = the owner's
 * next; see FairShare), clamped to BullMQ's range.
 */
export async function enqueueGeneration(queue: GenerateQueue, config: Parameters<typeof generateJobOptions>[0], actionId: string, priority = 1): Promise<void> {
  await queue.add('generate', { action_id: actionId }, { ...generateJobOptions(config, actionId), priority: clampPriority(priority) });
}

/** One action's job for `enqueueGenerations`: its queue and its priority (FairShare's admission). */
export interface GenerationJob {
  actionId: string;
  queue: GenerationQueueName;
  priority: number;
}

/** Jobs per `addBulk` in `enqueueGenerations`. */
const ENQUEUE_CHUNK = 100;

/**
 * One job per action for many actions (a batch): `addBulk` (one pipelined round trip) per
 * generation queue and ENQUEUE_CHUNK jobs, one chunk after the other, so that the event loop turns
 * between them (building a thousand jobs at once held it for a few hundred ms). An action whose job
 * exists already keeps it: the job ids are derived from the action ids, so adding again after a
 * failure part-way adds only what is missing.
 */
export async function enqueueGenerations(queues: Record<GenerationQueueName, GenerateQueue>, config: Parameters<typeof generateJobOptions>[0], jobs: GenerationJob[]): Promise<void> {
  await Promise.all(
    GENERATION_QUEUES.map(async (name) => {
      const mine = jobs.filter((job) => job.queue === name);
      for (let from = 0; from < mine.length; from += ENQUEUE_CHUNK) {
        await queues[name].addBulk(
          mine
            .slice(from, from + ENQUEUE_CHUNK)
            .map((job) => ({ name: 'generate', data: { action_id: job.actionId }, opts: { ...generateJobOptions(config, job.actionId), priority: clampPriority(job.priority) } })),
        );
      }
    }),
  );
}
