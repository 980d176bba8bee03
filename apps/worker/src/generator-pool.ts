import { Worker } from 'node:worker_threads';
import type { ThreadFailure, ThreadReply, ThreadTask } from './generator-messages.ts';

export interface GenerationResult {
  gzip: Uint8Array;
  candidates: number;
}

/** The generation ran past its time and its thread was terminated. */
export class GenerationTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`generation did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`);
    this.name = 'GenerationTimeout';
  }
}

/** The generation was abandoned on request (shutdown); its thread was terminated. */
export class GenerationCancelled extends Error {
  constructor(reason: string) {
    super(`generation cancelled: ${reason}`);
    this.name = 'GenerationCancelled';
  }
}

/** The core refused the input, or the thread failed; `failure.core` tells which. */
export class GenerationFailed extends Error {
  constructor(readonly failure: ThreadFailure) {
    super(failure.message);
    this.name = 'GenerationFailed';
  }
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (stage: string, percent: number) => void;
}

/** A JavaScript entry that registers tsx, then loads `generator-thread.ts`. */
const THREAD_ENTRY = new URL('./generator-thread.mjs', import.meta.url);

/**
 * A fixed set of generation threads, one per job slot. A thread that times out, is cancelled or
 * crashes is terminated and replaced, so one bad input never poisons the next job.
 */
export class GeneratorPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: { size: number; memoryMb: number }) {}

  /** Starts the threads now, so loading the core does not delay the first jobs. */
  warm(): void {
    while (this.idle.length + this.busy.size < this.options.size) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(THREAD_ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    worker.unref();
    // Errors are handled per task; an idle thread that dies is dropped from the pool.
    worker.on('error', () => this.discard(worker));
    worker.on('exit', () => this.discard(worker));
    return worker;
  }

  private discard(worker: Worker): void {
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    this.busy.delete(worker);
  }

  private acquire(): Worker {
    if (this.closed) throw new GenerationCancelled('the worker is shutting down');
    const worker = this.idle.pop() ?? this.spawn();
    this.busy.add(worker);
    return worker;
  }

  private release(worker: Worker): void {
    this.busy.delete(worker);
    if (this.closed) void worker.terminate();
    else this.idle.push(worker);
  }

  run(task: ThreadTask, options: RunOptions): Promise<GenerationResult> {
    const worker = this.acquire();
    return new Promise<GenerationResult>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void, keepThread: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (keepThread) this.release(worker);
        else {
          this.busy.delete(worker);
          void worker.terminate();
        }
        outcome();
      };
      const onMessage = (msg: ThreadReply) => {
        if (msg.kind === 'progress') options.onProgress?.(msg.stage, msg.percent);
        else if (msg.kind === 'done') finish(() => resolve({ gzip: msg.gzip, candidates: msg.candidates }), true);
        else if (msg.kind === 'failed') finish(() => reject(new GenerationFailed(msg.error)), true);
      };
      const onError = (err: Error) =>
        finish(() => reject(new GenerationFailed({ core: false, name: err.name, message: `generation thread failed: ${err.message}`, stack: err.stack })), false);
      const onExit = (code: number) =>
        finish(() => reject(new GenerationFailed({ core: false, name: 'ThreadExit', message: `generation thread exited with code ${code}` })), false);
      const onAbort = () => finish(() => reject(new GenerationCancelled(String(options.signal?.reason ?? 'aborted'))), false);
      const timer = setTimeout(() => finish(() => reject(new GenerationTimeout(options.timeoutMs)), false), Math.max(1, options.timeoutMs));

      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }
}
