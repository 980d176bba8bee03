import { ConfigError } from '@defect-candidates/service/config';
import { ApiKeyConfigError } from '@defect-candidates/service/auth/keys';
import { startApi } from './app.ts';
import { defaultPlugins } from './plugins.ts';

async function main(): Promise<void> {
  let api;
  try {
    api = await startApi({ plugins: defaultPlugins() });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ApiKeyConfigError) {
      process.stderr.write(`api: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // One plain line whatever LOG_LEVEL says: with PORT=0 it is the only way a person learns the port.
  const host = api.ctx.config.host;
  const everywhere = host === '0.0.0.0' || host === '::' ? ` (HOST ${host}: every interface)` : '';
  process.stderr.write(`api: listening on ${api.url}${everywhere}\n`);
  const stop = (signal: string) => {
    api.ctx.logger.info({ signal }, 'api shutting down');
    // In-flight requests get a few seconds; then the process goes regardless.
    setTimeout(() => process.exit(0), 10_000).unref();
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
