import { createDeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { registerWebhookDelivery } from '@defect-candidates/service/webhooks/hook';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import type { WorkerPlugin } from '../process.ts';
import { startDeliveryWorker } from './worker.ts';

/**
 * Webhook delivery in every worker process: finished actions queue a delivery job (listener on
 * the store), and the `webhooks` queue's worker sends them.
 */
export function webhookDeliveryPlugin(options: { concurrency?: number } = {}): WorkerPlugin {
  return {
    name: 'webhooks',
    async start(ctx) {
      const queue = createDeliveryQueue(ctx.config, ctx.connection);
      queue.on('error', (err) => ctx.logger.warn({ err: err.message }, 'webhooks queue error'));
      const unregister = registerWebhookDelivery(ctx.store, queue, new RetrySchedule(ctx.config.webhookRetryDelaysMs));
      const delivery = startDeliveryWorker({
        config: ctx.config,
        logger: ctx.logger,
        connection: ctx.connection,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      });
      return {
        async close() {
          await delivery.close();
          unregister();
          await queue.close();
        },
      };
    },
  };
}
