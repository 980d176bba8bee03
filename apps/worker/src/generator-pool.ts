import { ThreadCancelled, ThreadCrashed, ThreadPool, ThreadTimeout } from '@defect-candidates/service/threads/pool';
import type { HostFacts } from '@defect-candidates/service/scheduling/cost';
import type { ThreadFailure, ThreadReply, ThreadTask } from './generator-messages.ts';

export interface GenerationResult {
  gzip: Uint8Array;
  candidates: number;
}

/** The run stopped once the host was prepared: its cost estimate is above the task's `heavyJobMs`. */
export class GenerationTooHeavy extends Error {
  constructor(
    readonly estimateMs: number,
    readonly host: HostFacts,
  ) {
    super(`estimated at ${estimateMs} ms (${host.inputAtoms} input atoms, ${host.orbits} orbits, ${host.supercellAtoms} supercell atoms)`);
    this.name = 'GenerationTooHeavy';
  }
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
  /** The host's counts and cost estimate, when the task asked for one (`heavyJobMs`). */
  onEstimate?: (estimateMs: number, host: HostFacts) => void;
}

const THREAD_MODULE = new URL('./generator-thread.ts', import.meta.url);

/**
 * The generation threads, one per job slot (the shared ThreadPool: a thread that times out, is
 * cancelled or crashes is terminated and replaced), with the pool's outcomes told as generation
 * outcomes.
 */
export class GeneratorPool {
  private readonly threads: ThreadPool<ThreadTask, ThreadReply>;

  constructor(options: { size: number; memoryMb: number }) {
    this.threads = new ThreadPool({ module: THREAD_MODULE, ...options });
  }

  /** Starts the threads now, so loading the core does not delay the first jobs. */
  warm(): void {
    this.threads.warm();
  }

  /**
   * Generates in a free thread. Throws GenerationTooHeavy (the task's `heavyJobMs`),
   * GenerationTimeout, GenerationCancelled or GenerationFailed.
   */
  async run(task: ThreadTask, options: RunOptions): Promise<GenerationResult> {
    let reply;
    try {
      reply = await this.threads.run(task, {
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        onMessage: (msg) => {
          if (msg.kind === 'progress') options.onProgress?.(msg.stage, msg.percent);
          if (msg.kind === 'estimate') options.onEstimate?.(msg.estimateMs, msg.host);
        },
      });
    } catch (err) {
      if (err instanceof ThreadTimeout) throw new GenerationTimeout(options.timeoutMs);
      if (err instanceof ThreadCancelled) throw new GenerationCancelled(err.reason === 'the pool is closed' ? 'the worker is shutting down' : err.reason);
      if (err instanceof ThreadCrashed) {
        const cause = err.cause as Error | undefined;
        throw new GenerationFailed(
          cause
            ? { core: false, name: cause.name, message: `generation thread failed: ${cause.message}`, stack: cause.stack }
            : { core: false, name: 'ThreadExit', message: `generation thread exited with code ${err.exitCode}` },
        );
      }
      throw err;
    }
    if (reply.kind === 'failed') throw new GenerationFailed(reply.error);
    if (reply.outcome === 'heavy') throw new GenerationTooHeavy(reply.estimateMs, reply.host);
    return { gzip: reply.gzip, candidates: reply.candidates };
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
