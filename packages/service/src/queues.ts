import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Config } from './config.ts';

export const GENERATE_QUEUE = 'generate';
export const WEBHOOKS_QUEUE = 'webhooks';

/** What a generation job carries: only a pointer, the action record holds the rest. */
export interface GenerateJobData {
  action_id: string;
}

/** What a generation job returns: again a pointer, never the answer. */
export interface GenerateJobResult {
  action_id: string;
  status: 'success' | 'error';
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

/**
 * The BullMQ prefix: KEY_PREFIX on one Redis; on a Redis Cluster `{KEY_PREFIX}`, a hash tag, because
 * BullMQ's scripts touch several keys of a queue at once and a cluster runs a script only on keys
 * of one slot (BullMQ's "Redis Cluster" guide). Single-node deployments keep their existing keys.
 */
export function queuePrefix(config: Pick<Config, 'keyPrefix'> & Partial<Pick<Config, 'redisClusterNodes'>>): string {
  return config.redisClusterNodes ? `{${config.keyPrefix}}` : config.keyPrefix;
}

export function createGenerateQueue(config: Parameters<typeof queuePrefix>[0], connection: ConnectionOptions): Queue<GenerateJobData, GenerateJobResult> {
  return new Queue<GenerateJobData, GenerateJobResult>(GENERATE_QUEUE, { connection, prefix: queuePrefix(config) });
}

export async function enqueueGeneration(
  queue: Queue<GenerateJobData, GenerateJobResult>,
  config: Parameters<typeof generateJobOptions>[0],
  actionId: string,
): Promise<void> {
  await queue.add('generate', { action_id: actionId }, generateJobOptions(config, actionId));
}

/**
 * One job per action for many actions (a batch), in one `addBulk` (one pipelined round trip).
 * An action whose job exists already keeps it: the job ids are derived from the action ids, so
 * adding again after a failure part-way adds only what is missing.
 */
export async function enqueueGenerations(
  queue: Queue<GenerateJobData, GenerateJobResult>,
  config: Parameters<typeof generateJobOptions>[0],
  actionIds: string[],
): Promise<void> {
  if (actionIds.length === 0) return;
  await queue.addBulk(actionIds.map((id) => ({ name: 'generate', data: { action_id: id }, opts: generateJobOptions(config, id) })));
}
