import { QueueEvents, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '@defect-candidates/service/config';
import type { RedisClient } from '@defect-candidates/service/redis';
import type { ActionError, ActionStore } from '@defect-candidates/service/store/actions';
import {
  GENERATE_QUEUE,
  HEAVY_QUEUE,
  actionIdFromJobId,
  createGenerateQueue,
  queuePrefix,
  enqueueGeneration,
  type GenerateJobData,
  type GenerateJobResult,
  type GenerationQueueName,
} from '@defect-candidates/service/queues';
import { FairShare } from '@defect-candidates/service/scheduling/fair-share';
import { OuroProgressReporter, type ActionProgressLog } from '@defect-candidates/service/webhooks/ouro-progress';
import { failureCode } from '@defect-candidates/service/threads/failure';
import { DownloadError, downloadStructure } from './download.ts';
import { GenerationCancelled, GenerationFailed, GenerationTimeout, GenerationTooHeavy, GeneratorPool } from './generator-pool.ts';

export interface GenerationWorkerOptions {
  config: Config;
  logger: Logger;
  store: ActionStore;
  /** `worker`-role connection (maxRetriesPerRequest: null). */
  connection: RedisClient;
  /** The queue this worker takes jobs from (default `generate`). */
  queue?: GenerationQueueName;
}

export interface GenerationWorker {
  queue: GenerationQueueName;
  worker: Worker<GenerateJobData, GenerateJobResult>;
  pool: GeneratorPool;
  /** Stops taking jobs; running ones get `graceMs` to finish, then go back to the queue. */
  close(graceMs: number): Promise<void>;
}

/** Progress goes to Redis at most this often (and at every new stage). */
const PROGRESS_INTERVAL_MS = 500;

function actionError(code: ActionError['code'], type: string, message: string, retryable: boolean): ActionError {
  return { code, type, message, retryable };
}

function timeoutError(limitMs: number): ActionError {
  return actionError('timeout', 'TimeoutError', `The job ran longer than the limit of ${limitMs / 1000} s and was stopped`, false);
}

/**
 * A generation queue's worker (`generate` or `generate-heavy`): each job takes its action up,
 * fetches the structure (inline from the record, or downloaded), runs the core in a generation
 * thread, and records the end. Ends are recorded through the store's check-and-set, so however
 * many workers run a job (a worker presumed dead may still be alive), the action completes once.
 *
 * On `generate`, the job's cost is estimated as soon as its host is prepared (a structure by URL
 * has no estimate before it is downloaded and read) and a job over HEAVY_JOB_MS is moved to
 * `generate-heavy` at once; one still running after LIGHT_JOB_BUDGET_MS (an estimate that was
 * wrong) is stopped and moved too, so a light worker slot is never held longer than that. Each job that starts gives its owner's next
 * queued job the front of the line (FairShare).
 */
export function startGenerationWorker(options: GenerationWorkerOptions): GenerationWorker {
  const { config, store } = options;
  const queueName = options.queue ?? GENERATE_QUEUE;
  const light = queueName === GENERATE_QUEUE;
  const logger = options.logger.child({ component: queueName });
  const concurrency = light ? config.workerConcurrency : config.heavyWorkerConcurrency;
  const pool = new GeneratorPool({ size: concurrency, memoryMb: config.workerMemoryMb });
  pool.warm();
  const fairShare = new FairShare(options.connection, { prefix: config.keyPrefix, ttlSeconds: config.actionTtlSeconds });
  // Queue handles for FairShare's priority changes and for adding jobs moved to generate-heavy.
  const ownQueue = createGenerateQueue(config, options.connection, queueName);
  const heavyQueue = light ? createGenerateQueue(config, options.connection, HEAVY_QUEUE) : ownQueue;
  for (const q of new Set([ownQueue, heavyQueue])) q.on('error', (err) => logger.warn({ err: err.message, queue: q.name }, 'queue error'));
  // Progress logs on the Ouro platform for platform actions (when OURO_API_KEY and OURO_BACKEND_URL are set).
  const platformLogs = OuroProgressReporter.fromConfig(config, logger);
  const runningLogs = new Map<string, ActionProgressLog>();

  const processor = async (job: Job<GenerateJobData, GenerateJobResult>, token?: string, signal?: AbortSignal): Promise<GenerateJobResult> => {
    const id = job.data?.action_id ?? actionIdFromJobId(job.id ?? '');
    const log = logger.child({ action_id: id, job_id: job.id, attempt: job.attemptsMade + 1 });
    const startedAt = Date.now();
    const taken = await store.markStarted(id);
    if (!taken) {
      log.warn('the action record is gone (expired or removed); nothing to do');
      return { action_id: id, status: 'error' };
    }
    if (!taken.started) {
      // Ended already (a retried job, or a worker presumed dead that finished after all):
      // make sure what follows an end (the webhook) was set in motion, and stop.
      log.info({ status: taken.action.status }, 'action already finished');
      await store.notifyFinished(taken.action);
      return { action_id: id, status: taken.action.status as 'success' | 'error' };
    }
    const action = taken.action;
    await fairShare.started(action.owner, ownQueue, id).catch((err: Error) => log.warn({ err: err.message }, 'could not move the owner\'s next job to the front'));
    log.info({ runs: action.runs, input: action.input.kind, queue: queueName }, 'generation started');
    const platformLog = platformLogs?.track(action) ?? null;
    if (platformLog) runningLogs.set(String(job.id), platformLog);
    platformLog?.stage('started', 0);

    let lastWrite = 0;
    let lastStage = '';
    const progress = (stage: string, percent: number) => {
      platformLog?.stage(stage, percent);
      const now = Date.now();
      if (stage === lastStage && now - lastWrite < PROGRESS_INTERVAL_MS) return;
      lastStage = stage;
      lastWrite = now;
      store.setProgress(id, stage, percent).catch((err: Error) => log.warn({ err: err.message }, 'could not record progress'));
    };

    const finishWith = async (error: ActionError, cause: unknown): Promise<never> => {
      const recorded = await store.fail(id, error);
      void platformLog?.finish('error', error.message);
      log[error.code === 'internal' ? 'error' : 'warn']({ code: error.code, recorded, err: cause instanceof Error ? cause.message : String(cause) }, 'generation failed');
      throw new UnrecoverableError(`${error.code}: ${error.message}`);
    };

    // Where the structure comes from: the record (inline, or downloaded before the job moved queues,
    // with what unpacking it assumed), else the URL.
    let content: string | null = await store.getInput(id);
    let fileWarnings: string[] = [];
    if (action.input.kind === 'inline') {
      if (content === null) return finishWith(actionError('internal', 'InternalError', 'the submitted structure is missing from the action record', true), null);
    } else if (content !== null) {
      fileWarnings = await store.getInputWarnings(id);
    } else {
      progress('downloading', 2);
      try {
        ({ text: content, warnings: fileWarnings } = await downloadStructure(action.input.url!, {
          timeoutMs: Math.max(1, Math.min(config.downloadTimeoutMs, config.jobTimeoutMs - (Date.now() - startedAt))),
          maxBytes: config.downloadMaxBytes,
          allowPrivate: config.allowPrivateUrls,
          ...(signal ? { signal } : {}),
        }));
      } catch (err) {
        const e = err instanceof DownloadError ? err : new DownloadError(String((err as Error)?.message ?? err), true);
        if (signal?.aborted) return handBack(store, job, token, id, log, 'shutdown during download');
        if (Date.now() - startedAt >= config.jobTimeoutMs) return finishWith(timeoutError(config.jobTimeoutMs), e);
        const attempts = job.opts.attempts ?? 1;
        if (e.retryable && job.attemptsMade + 1 < attempts) {
          await store.setProgress(id, 'download retry', 2).catch(() => undefined);
          log.warn({ err: e.message, attempt: job.attemptsMade + 1, attempts }, 'download failed; will retry');
          throw e;
        }
        return finishWith(actionError('download_failed', 'DownloadError', e.message, e.retryable), e);
      }
    }

    // The core, in a thread, within what is left of the time limit (and, on `generate`, the light budget).
    const remaining = config.jobTimeoutMs - (Date.now() - startedAt);
    const budgeted = light && config.lightJobBudgetMs < remaining;
    let result;
    try {
      if (remaining <= 0) throw new GenerationTimeout(config.jobTimeoutMs);
      result = await pool.run(
        {
          content,
          ...(action.input.format ? { format: action.input.format } : {}),
          ...(action.input.filename ? { filename: action.input.filename } : {}),
          ...(action.input.species ? { species: action.input.species } : {}),
          ...(fileWarnings.length > 0 ? { warnings: fileWarnings } : {}),
          request: action.parameters,
          maxAtoms: config.maxAtoms,
          maxInputAtoms: config.maxInputAtoms,
          // On `generate`, the thread estimates the job's cost as soon as the host is prepared
          // (what a URL's structure could not get at submission) and stops a heavy one there.
          ...(light ? { heavyJobMs: config.heavyJobMs } : {}),
        },
        {
          timeoutMs: budgeted ? config.lightJobBudgetMs : remaining,
          ...(signal ? { signal } : {}),
          onProgress: progress,
          onEstimate: (estimateMs, host) => log.info({ estimate_ms: estimateMs, ...host }, 'job cost estimated'),
        },
      );
    } catch (err) {
      if (err instanceof GenerationCancelled) return handBack(store, job, token, id, log, err.message);
      // Too long for a light slot: the heavy workers start it over, with the full time limit (a
      // downloaded structure is kept with the action, so it is not fetched again).
      const moveToHeavy = async (why: Record<string, unknown>, message: string): Promise<GenerateJobResult> => {
        if (action.input.kind === 'url') await store.saveInput(id, content, fileWarnings);
        await store.requeue(id, HEAVY_QUEUE);
        const { priority } = await fairShare.admit(action.owner, HEAVY_QUEUE, id);
        await enqueueGeneration(heavyQueue, config, id, priority);
        void platformLog?.stage('moved to the heavy queue', 10);
        log.warn(why, `${message}: moved to ${HEAVY_QUEUE}`);
        return { action_id: id, status: 'moved' };
      };
      if (err instanceof GenerationTooHeavy) {
        return moveToHeavy({ estimate_ms: err.estimateMs, heavy_job_ms: config.heavyJobMs, ...err.host }, 'estimated over HEAVY_JOB_MS once its structure was read');
      }
      if (err instanceof GenerationTimeout && budgeted) {
        return moveToHeavy({ budget_ms: config.lightJobBudgetMs }, 'still running after LIGHT_JOB_BUDGET_MS');
      }
      if (err instanceof GenerationTimeout) {
        return finishWith(timeoutError(config.jobTimeoutMs), err);
      }
      if (err instanceof GenerationFailed && err.failure.core) {
        return finishWith(actionError(failureCode(err.failure), err.failure.name, err.failure.message, false), err);
      }
      if (err instanceof GenerationFailed && err.failure.stack) log.error({ stack: err.failure.stack }, 'generation crashed');
      return finishWith(actionError('internal', 'InternalError', `Internal error during generation: ${(err as Error).message}`, true), err);
    }

    progress('storing', 95);
    const recorded = await store.complete(id, { gzip: result.gzip });
    void platformLog?.finish('success', `${result.candidates} candidates`);
    log.info({ candidates: result.candidates, recorded, ms: Date.now() - startedAt, bytes: result.gzip.byteLength }, recorded ? 'generation succeeded' : 'generation finished but another worker had already ended the action');
    return { action_id: id, status: 'success' };
  };

  // Whatever way a job leaves (handed back, retried, crashed), its platform heartbeat stops.
  const tracked = async (job: Job<GenerateJobData, GenerateJobResult>, token?: string, signal?: AbortSignal): Promise<GenerateJobResult> => {
    try {
      return await processor(job, token, signal);
    } finally {
      runningLogs.get(String(job.id))?.stop();
      runningLogs.delete(String(job.id));
    }
  };

  const worker = new Worker<GenerateJobData, GenerateJobResult>(queueName, tracked, {
    connection: options.connection,
    prefix: queuePrefix(config),
    concurrency,
    lockDuration: config.jobLockDurationMs,
    stalledInterval: config.jobStalledIntervalMs,
    maxStalledCount: config.jobMaxStalledCount,
    autorun: true,
  });
  const logError = throttledErrorLog(logger);
  worker.on('error', (err) => logError(err, `${queueName} worker error`));
  worker.on('stalled', (jobId) => logger.warn({ job_id: jobId, action_id: actionIdFromJobId(jobId) }, 'job lost its worker; back in the queue'));

  // A job can fail without its processor recording why: its worker died too often (stalled
  // limit), or the last retry hit an error. Every worker hears of it; the first one records it.
  const events = new QueueEvents(queueName, { connection: options.connection, prefix: queuePrefix(config) });
  events.on('error', (err) => logError(err, 'queue events error'));
  events.on('failed', ({ jobId, failedReason }) => {
    const id = actionIdFromJobId(jobId);
    store
      .fail(id, actionError('internal', 'InternalError', `The job failed: ${failedReason}`, true))
      .then((recorded) => {
        if (recorded) logger.error({ action_id: id, reason: failedReason }, 'job failed without an outcome; action errored');
      })
      .catch((err: Error) => logger.warn({ err: err.message, action_id: id }, 'could not record a failed job'));
  });

  let closing: Promise<void> | null = null;
  const close = (graceMs: number) =>
    (closing ??= (async () => {
      const done = worker.close();
      const timer = setTimeout(() => {
        logger.warn({ grace_ms: graceMs }, 'jobs still running after the grace period: handing them back to the queue');
        worker.cancelAllJobs('shutdown');
      }, graceMs);
      await done;
      clearTimeout(timer);
      await events.close().catch(() => undefined);
      for (const q of new Set([ownQueue, heavyQueue])) await q.close().catch(() => undefined);
      await pool.close();
    })());

  return { queue: queueName, worker, pool, close };
}

/** While Redis is away every blocked call fails the same way: log each distinct error once per 10 s. */
function throttledErrorLog(logger: Logger): (err: Error, msg: string) => void {
  const last = new Map<string, number>();
  return (err, msg) => {
    const key = `${msg}:${err.message}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < 10_000) return;
    last.set(key, now);
    logger.error({ err: err.message }, msg);
  };
}

/** Puts a running job back in the queue (the action goes back to `queued`) for another worker. */
async function handBack(store: ActionStore, job: Job, token: string | undefined, id: string, log: Logger, why: string): Promise<never> {
  log.warn({ why }, 'handing the job back to the queue');
  await store.requeue(id);
  if (token) await job.moveToWait(token);
  throw new WaitingError();
}
