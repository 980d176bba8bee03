import type { WorkerPlugin } from './process.ts';
import { webhookDeliveryPlugin } from './delivery/plugin.ts';

/** Features every worker process runs beside generation (the webhook issue adds its deliverer here). */
export function defaultPlugins(): WorkerPlugin[] {
  return [webhookDeliveryPlugin()];
}
