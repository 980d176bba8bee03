import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { WEBHOOKS_QUEUE, queuePrefix } from '../queues.ts';
import type { RetrySchedule } from './schedule.ts';

export interface DeliveryJobData {
  action_id: string;
}

export type DeliveryQueue = Queue<DeliveryJobData>;

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

export function createDeliveryQueue(config: Parameters<typeof queuePrefix>[0], connection: ConnectionOptions): DeliveryQueue {
  return new Queue<DeliveryJobData>(WEBHOOKS_QUEUE, { connection, prefix: queuePrefix(config) });
}
