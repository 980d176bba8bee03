import type { WorkerPlugin } from './process.ts';
import { webhookDeliveryPlugin } from './delivery/plugin.ts';
import { reconcilerPlugin } from './reconcile-plugin.ts';

/**
 * Features every worker process runs beside generation: the webhook deliverer, then the reconciler
 * (after it, so that the actions it ends find the deliverer's listeners in place).
 */
export function defaultPlugins(): WorkerPlugin[] {
  return [webhookDeliveryPlugin(), reconcilerPlugin()];
}
