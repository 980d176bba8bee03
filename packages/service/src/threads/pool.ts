import { Worker } from 'node:worker_threads';

/**
 * A thread's last word on a task. Any other message it sends while working (progress) goes to
 * the run's `onMessage`; one of these ends the task and frees the thread.
 */
export type FinalReply = { kind: 'done' } | { kind: 'failed' };

/** The task did not end within its time; if it had started, its thread was terminated. */
export class ThreadTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    /** False when the task was still waiting for a free thread. */
    readonly started: boolean,
  ) {
    super(`the task did not finish within ${timeoutMs} ms${started ? '' : ' (it was still waiting for a free thread)'}`);
    this.name = 'ThreadTimeout';
  }
}

/** The task was abandoned (its signal aborted, or the pool closed); its thread was terminated. */
export class ThreadCancelled extends Error {
  constructor(readonly reason: string) {
    super(`cancelled: ${reason}`);
    this.name = 'ThreadCancelled';
  }
}

/** The thread died under the task: an uncaught error (`cause`), its heap limit, or an exit. */
export class ThreadCrashed extends Error {
  constructor(
    message: string,
    readonly exitCode?: number,
    options?: { cause: Error },
  ) {
    super(message, options);
    this.name = 'ThreadCrashed';
  }
}

export interface ThreadPoolOptions {
  /** The TypeScript module each thread runs (loaded through `entry.mjs`, which registers tsx). */
  module: URL;
  /** Most threads alive at once; further tasks wait for one in order. */
  size: number;
  /** Heap limit of each thread: a task above it crashes its thread, not the process. */
  memoryMb: number;
}

export interface ThreadRunOptions<Reply> {
  /** From the call, waiting for a free thread included. */
  timeoutMs: number;
  signal?: AbortSignal;
  onMessage?: (message: Reply) => void;
}

const ENTRY = new URL('./entry.mjs', import.meta.url);

interface Waiter {
  start(worker: Worker): void;
  cancel(reason: string): void;
}

/**
 * A bounded set of threads running CPU-bound tasks off the event loop. A thread whose task times
 * out or is cancelled is terminated (a synchronous computation cannot be interrupted otherwise)
 * and, once the pool is warm, replaced at once; a thread that crashes is dropped. One bad input
 * never poisons the next task.
 */
export class ThreadPool<Task, Reply extends { kind: string }> {
  private readonly idle: Worker[] = [];
  /** Running threads, each with how to abandon its task when the pool closes. */
  private readonly busy = new Map<Worker, (reason: string) => void>();
  private readonly waiting: Waiter[] = [];
  private closed = false;
  private warmed = false;

  constructor(private readonly options: ThreadPoolOptions) {}

  /** Starts every thread now (loading the module takes a while), and keeps the pool full. */
  warm(): void {
    this.warmed = true;
    while (!this.closed && this.idle.length + this.busy.size < this.options.size) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(ENTRY, {
      workerData: { module: this.options.module.href },
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    // Idle threads must not keep the process alive.
    worker.unref();
    // A running task hears of its thread's end through its own listeners; an idle thread is dropped.
    worker.on('error', () => this.drop(worker));
    worker.on('exit', () => this.drop(worker));
    return worker;
  }

  private drop(worker: Worker): void {
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    this.busy.delete(worker);
  }

  /** Hands free threads (or new ones, up to the size) to waiting tasks, oldest first. */
  private dispatch(): void {
    while (!this.closed && this.waiting.length > 0) {
      const worker = this.idle.pop() ?? (this.idle.length + this.busy.size < this.options.size ? this.spawn() : undefined);
      if (!worker) return;
      this.waiting.shift()!.start(worker);
    }
  }

  private release(worker: Worker): void {
    this.busy.delete(worker);
    if (this.closed) void worker.terminate();
    else this.idle.push(worker);
    this.dispatch();
  }

  private retire(worker: Worker): void {
    this.busy.delete(worker);
    void worker.terminate();
    if (this.warmed) this.warm();
    this.dispatch();
  }

  /**
   * Runs a task on the next free thread. Resolves with the thread's final reply (`done` or
   * `failed`, as the thread module defines them); rejects with ThreadTimeout, ThreadCancelled or
   * ThreadCrashed.
   */
  run(task: Task, options: ThreadRunOptions<Reply>): Promise<Extract<Reply, FinalReply>> {
    if (this.closed) return Promise.reject(new ThreadCancelled('the pool is closed'));
    return new Promise((resolve, reject) => {
      let worker: Worker | undefined;
      let settled = false;
      const finish = (outcome: () => void, keepThread: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (worker) {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          if (keepThread) this.release(worker);
          else this.retire(worker);
        } else {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
        }
        outcome();
      };
      const onMessage = (message: Reply) => {
        if (message.kind === 'done' || message.kind === 'failed') finish(() => resolve(message as Extract<Reply, FinalReply>), true);
        else options.onMessage?.(message);
      };
      const onError = (err: Error) => finish(() => reject(new ThreadCrashed(`thread failed: ${err.message}`, undefined, { cause: err })), false);
      const onExit = (code: number) => finish(() => reject(new ThreadCrashed(`thread exited with code ${code}`, code)), false);
      const onAbort = () => finish(() => reject(new ThreadCancelled(String(options.signal?.reason ?? 'aborted'))), false);
      const cancel = (reason: string) => finish(() => reject(new ThreadCancelled(reason)), false);
      const waiter: Waiter = {
        start: (w) => {
          worker = w;
          this.busy.set(w, cancel);
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          w.postMessage(task);
        },
        cancel,
      };
      const timer = setTimeout(() => finish(() => reject(new ThreadTimeout(options.timeoutMs, worker !== undefined)), false), Math.max(1, options.timeoutMs));

      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.dispatch();
    });
  }

  /** Abandons waiting and running tasks (ThreadCancelled) and terminates every thread. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = [...this.idle, ...this.busy.keys()];
    for (const abandon of [...this.busy.values()]) abandon('the pool is closed');
    this.idle.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.cancel('the pool is closed');
    await Promise.all(threads.map((w) => w.terminate()));
  }
}
