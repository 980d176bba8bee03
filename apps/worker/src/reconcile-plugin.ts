import { GENERATE_QUEUE, HEAVY_QUEUE, createGenerateQueue } from '@defect-candidates/service/queues';
import { Reconciler } from '@defect-candidates/service/reconcile/reconciler';
import { FairShare } from '@defect-candidates/service/scheduling/fair-share';
import { BatchStore } from '@defect-candidates/service/store/batches';
import { createDeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import type { WorkerPlugin } from './process.ts';

/**
 * The reconciler in every worker process, every RECONCILE_INTERVAL_MS (see Reconciler): its Redis
 * lock lets one process at a time do a pass, and with several processes a pass still happens when
 * some of them die. The first pass waits a random part of the interval, so processes started
 * together do not all try at once. It uses the process's store, whose finished-listeners (the
 * webhook deliverer's, registered by the plugin before this one) send the webhooks of the actions
 * it ends.
 */
export function reconcilerPlugin(): WorkerPlugin {
  return {
    name: 'reconciler',
    async start(ctx) {
      const { config, connection, logger } = ctx;
      const log = logger.child({ component: 'reconciler' });
      const queues = { [GENERATE_QUEUE]: createGenerateQueue(config, connection, GENERATE_QUEUE), [HEAVY_QUEUE]: createGenerateQueue(config, connection, HEAVY_QUEUE) };
      const deliveryQueue = createDeliveryQueue(config, connection);
      for (const q of [...Object.values(queues), deliveryQueue]) q.on('error', (err) => log.warn({ err: err.message, queue: q.name }, 'queue error'));
      const reconciler = new Reconciler({
        store: ctx.store,
        batches: new BatchStore(connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds }),
        queues,
        deliveryQueue,
        fairShare: new FairShare(connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds }),
        schedule: new RetrySchedule(config.webhookRetryDelaysMs),
        config,
        logger: log,
      });

      let timer: NodeJS.Timeout | null = null;
      let running: Promise<void> = Promise.resolve();
      let closed = false;
      const schedule = (ms: number) => {
        timer = setTimeout(() => {
          running = reconciler
            .runOnce()
            .then(() => undefined, (err: Error) => log.warn({ err: err.message }, 'reconciler pass failed; trying again next interval'))
            .finally(() => {
              if (!closed) schedule(config.reconcileIntervalMs);
            });
        }, ms);
        timer.unref();
      };
      schedule(Math.round(Math.random() * config.reconcileIntervalMs));

      return {
        async close() {
          closed = true;
          if (timer) clearTimeout(timer);
          await running;
          for (const q of [...Object.values(queues), deliveryQueue]) await q.close().catch(() => undefined);
        },
      };
    },
  };
}
