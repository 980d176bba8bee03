import { createDeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { registerWebhookDelivery } from '@defect-candidates/service/webhooks/hook';
import { registerBatchCompletion } from '@defect-candidates/service/webhooks/batch';
import { BatchStore } from '@defect-candidates/service/store/batches';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import type { WorkerPlugin } from '../process.ts';
import { startDeliveryWorker } from './worker.ts';

/**
 * Webhook delivery in every worker process: finished actions queue a delivery job (listener on
 * the store), and the `webhooks` queue's worker sends them. A batch action's end is also counted
 * on its batch here, and the batch's last one queues `batch.completed`.
 */
export function webhookDeliveryPlugin(options: { concurrency?: number } = {}): WorkerPlugin {
  return {
    name: 'webhooks',
    async start(ctx) {
      const queue = createDeliveryQueue(ctx.config, ctx.connection);
      queue.on('error', (err) => ctx.logger.warn({ err: err.message }, 'webhooks queue error'));
      const schedule = new RetrySchedule(ctx.config.webhookRetryDelaysMs);
      const batches = new BatchStore(ctx.connection, { prefix: ctx.config.keyPrefix, ttlSeconds: ctx.config.actionTtlSeconds });
      const unregister = [registerWebhookDelivery(ctx.store, queue, schedule), registerBatchCompletion(ctx.store, batches, queue, schedule)];
      const delivery = startDeliveryWorker({
        config: ctx.config,
        logger: ctx.logger,
        connection: ctx.connection,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      });
      return {
        async close() {
          await delivery.close();
          for (const u of unregister) u();
          await queue.close();
        },
      };
    },
  };
}
