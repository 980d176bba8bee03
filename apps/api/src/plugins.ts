import type { ApiPlugin } from './app.ts';

/** Features mounted by `main.ts` beside the core routes (the webhook issue adds its endpoints here). */
export function defaultPlugins(): ApiPlugin[] {
  return [];
}
