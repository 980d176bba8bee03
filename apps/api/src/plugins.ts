import type { ApiPlugin } from './app.ts';
import { webhooksPlugin } from './routes/webhooks.ts';

/** Features mounted by `main.ts` beside the core routes (the webhook issue adds its endpoints here). */
export function defaultPlugins(): ApiPlugin[] {
  return [webhooksPlugin()];
}
