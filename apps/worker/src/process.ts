import { setPriority } from 'node:os';
import type { DestinationStream, Logger } from 'pino';
import { loadConfig, type Config } from '@defect-candidates/service/config';
import { createLogger } from '@defect-candidates/service/logger';
import { checkEvictionPolicy, createRedis, describeRedis, type RedisClient } from '@defect-candidates/service/redis';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { GENERATE_QUEUE, HEAVY_QUEUE, type GenerationQueueName } from '@defect-candidates/service/queues';
import { startGenerationWorker, type GenerationWorker } from './generation-worker.ts';

/** What a worker process shares with the features it runs. */
export interface WorkerContext {
  config: Config;
  logger: Logger;
  /** `worker`-role connection (maxRetriesPerRequest: null). */
  connection: RedisClient;
  store: ActionStore;
}

/**
 * A feature running beside generation in every worker process (the webhook deliverer). `start`
 * runs before the generation worker takes its first job, so listeners on the store are in place.
 */
export interface WorkerPlugin {
  name: string;
  start(ctx: WorkerContext): Promise<{ close(): Promise<void> }>;
}

export interface WorkerProcess {
  ctx: WorkerContext;
  /** One per queue in WORKER_QUEUES (`generate`, `generate-heavy`). */
  generation: GenerationWorker[];
  /** Graceful: stop taking jobs, let running ones finish within `graceMs` or hand them back. */
  close(graceMs?: number): Promise<void>;
}

export async function startWorkerProcess(
  options: { config?: Config; overrides?: Partial<Config>; plugins?: WorkerPlugin[]; logDestination?: DestinationStream } = {},
): Promise<WorkerProcess> {
  const config = options.config ?? loadConfig(process.env, options.overrides);
  const logger = createLogger({ level: config.logLevel, name: 'worker' }, options.logDestination);
  const connection = createRedis(config, 'worker', 'worker', logger);
  await checkEvictionPolicy(connection, logger);
  const store = new ActionStore(connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds });
  const ctx: WorkerContext = { config, logger, connection, store };

  const started: { name: string; close(): Promise<void> }[] = [];
  for (const plugin of options.plugins ?? []) {
    const handle = await plugin.start(ctx);
    started.push({ name: plugin.name, close: () => handle.close() });
  }
  // A heavy-only worker yields the CPU to light workers sharing the machine (their jobs are the
  // ones someone is waiting for); it still gets the cores whenever they are idle.
  if (config.heavyWorkerNice > 0 && config.workerQueues.every((q) => q === HEAVY_QUEUE)) {
    try {
      setPriority(Math.min(19, config.heavyWorkerNice));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not lower this heavy worker\'s scheduling priority');
    }
  }
  const generation = config.workerQueues.map((queue) => startGenerationWorker({ config, logger, store, connection, queue: queue as GenerationQueueName }));
  logger.info(
    {
      queues: config.workerQueues,
      concurrency: config.workerQueues.includes(GENERATE_QUEUE) ? config.workerConcurrency : 0,
      heavy_concurrency: config.workerQueues.includes(HEAVY_QUEUE) ? config.heavyWorkerConcurrency : 0,
      redis: describeRedis(config),
      prefix: config.keyPrefix,
      plugins: started.map((p) => p.name),
    },
    'worker started',
  );

  let closing: Promise<void> | null = null;
  const close = (graceMs = config.shutdownGraceMs) =>
    (closing ??= (async () => {
      await Promise.all(generation.map((g) => g.close(graceMs)));
      for (const p of started.reverse()) await p.close().catch((err: Error) => logger.warn({ err: err.message, plugin: p.name }, 'plugin close failed'));
      await connection.quit().catch(() => connection.disconnect());
      logger.info('worker stopped');
    })());
  return { ctx, generation, close };
}
