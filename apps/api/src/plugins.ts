import type { ApiPlugin } from './app.ts';
import { webhooksPlugin } from './routes/webhooks.ts';
import { batchesPlugin } from './routes/batches.ts';

/** Features mounted by `main.ts` beside the core routes (the webhook issue adds its endpoints here). */
export function defaultPlugins(): ApiPlugin[] {
  return [webhooksPlugin(), batchesPlugin()];
}
