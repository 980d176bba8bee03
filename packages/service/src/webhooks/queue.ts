import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { WEBHOOKS_QUEUE, queuePrefix } from '../queues.ts';
import type { RetrySchedule } from './schedule.ts';

/** What the dashboard shows of a delivery job, updated after each failed attempt. */
export interface DeliveryProgress {
  /** The delivery state's `next_attempt_at` (BullMQ's delay does not show the custom backoff). */
  next_attempt_at?: string | null;
  /** Attempts made so far, as recorded on the action or batch. */
  attempts_made?: number;
}

/** An action's completion message (job name `deliver`). */
export interface DeliveryJobData extends DeliveryProgress {
  action_id: string;
}

/** The `batch.completed` message of a batch (job name BATCH_DELIVERY_JOB). */
export interface BatchDeliveryJobData extends DeliveryProgress {
  batch_id: string;
}

export type DeliveryQueue = Queue<DeliveryJobData | BatchDeliveryJobData>;

/** Name of the jobs that deliver `batch.completed`; the others are named `deliver`. */
export const BATCH_DELIVERY_JOB = 'deliver-batch';

/** Name of the custom backoff: the worker's `backoffStrategy` answers it from the schedule. */
export const DELIVERY_BACKOFF = 'webhook-schedule';

/** One delivery job per action; the id is derived from the action id (whose alphabet BullMQ accepts). */
export function deliveryJobId(actionId: string): string {
  return `deliver-${actionId}`;
}

export function deliveryJobOptions(schedule: RetrySchedule, actionId: string, options: { immediate?: boolean } = {}): JobsOptions {
  return {
    jobId: deliveryJobId(actionId),
    attempts: schedule.attempts,
    backoff: { type: DELIVERY_BACKOFF },
    delay: options.immediate ? 0 : schedule.firstDelay,
    // The delivery state lives on the action record; the jobs are kept a while for bull-board.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** The `batch.completed` job of a batch: one per batch, its id derived from the batch id. */
export function batchDeliveryJobId(batchId: string): string {
  return `deliver-batch-${batchId}`;
}

/** One `batch.completed` delivery job per batch, like `deliveryJobOptions` otherwise. */
export function batchDeliveryJobOptions(schedule: RetrySchedule, batchId: string, options: { immediate?: boolean } = {}): JobsOptions {
  return { ...deliveryJobOptions(schedule, batchId, options), jobId: batchDeliveryJobId(batchId) };
}

export function createDeliveryQueue(config: Parameters<typeof queuePrefix>[0], connection: ConnectionOptions): DeliveryQueue {
  return new Queue<DeliveryJobData | BatchDeliveryJobData>(WEBHOOKS_QUEUE, { connection, prefix: queuePrefix(config) });
}

/**
 * Removes a delivery's job (waiting, delayed or finished) so that it can be added afresh; false
 * when an attempt is running right now and the job stays.
 */
export async function clearDeliveryJob(queue: DeliveryQueue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return true;
  if ((await job.getState()) === 'active') return false;
  try {
    await job.remove();
    return true;
  } catch {
    // Removal fails only while a worker holds the job's lock: it is being attempted right now.
    return false;
  }
}
