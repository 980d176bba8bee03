export { createApp, startApi, type ApiPlugin, type ApiContext, type RunningApi, type StartApiOptions } from './app.ts';
export { buildOpenApi } from './openapi.ts';
