import { ConfigError } from '@defect-candidates/service/config';
import { startWorkerProcess } from './process.ts';
import { defaultPlugins } from './plugins.ts';

async function main(): Promise<void> {
  let running;
  try {
    running = await startWorkerProcess({ plugins: defaultPlugins() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`worker: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { logger, config } = running.ctx;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal: leave now; running jobs go back to the queue when their locks expire.
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, grace_ms: config.shutdownGraceMs }, 'worker shutting down: no new jobs, finishing running ones');
    // Never outlive the grace period by much, whatever hangs.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000).unref();
    running.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A bug outside any job must not leave a half-alive process holding job locks.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection');
  });
}

await main();
