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

export function createGenerateQueue(config: Pick<Config, 'keyPrefix'>, connection: ConnectionOptions, name: GenerationQueueName = GENERATE_QUEUE): GenerateQueue {
  return new Queue<GenerateJobData, GenerateJobResult>(name, { connection, prefix: config.keyPrefix });
}

/**
 * Adds the action's job. `priority` is its place among its owner's queued jobs (1 = the owner's
 * next; see FairShare), clamped to BullMQ's range.
 */
export async function enqueueGeneration(queue: GenerateQueue, config: Parameters<typeof generateJobOptions>[0], actionId: string, priority = 1): Promise<void> {
  await queue.add('generate', { action_id: actionId }, { ...generateJobOptions(config, actionId), priority: Math.min(Math.max(1, priority), PRIORITY_LIMIT) });
}
