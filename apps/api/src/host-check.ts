import { createHash } from 'node:crypto';
import { HOST_REQUEST_FIELDS } from '@defect-candidates/core';
import { canonicalJson } from '@defect-candidates/service/store/idempotency';
import type { HostFacts } from '@defect-candidates/service/scheduling/cost';
import { type ThreadFailure, failureCode } from '@defect-candidates/service/threads/failure';
import { ThreadCancelled, ThreadCrashed, ThreadPool, ThreadTimeout } from '@defect-candidates/service/threads/pool';
import { HttpError, invalidRequest } from './errors.ts';
import { WARM_UP_STRUCTURES } from './warm-up-structures.ts';

export interface InlineStructure {
  content: string;
  format?: string;
  filename?: string;
  species?: string[];
}

/** What the API asks a check thread: `prepareHost` on this structure. */
export interface HostCheckTask {
  content: string;
  format?: string;
  filename?: string;
  species?: string[];
  /** Only the request fields `prepareHost` reads. */
  request: Record<string, unknown>;
  maxAtoms: number;
  maxInputAtoms: number;
}

export type HostCheckFailure = ThreadFailure;

export type HostCheckReply = { kind: 'done'; host: HostFacts } | { kind: 'failed'; error: HostCheckFailure };

/**
 * The structure passed (with what the check learnt of it, for the cost estimate), or could not be
 * checked in time and is left to the worker: `slow` when its own analysis ran out of time (a
 * heavy job), not when it only waited (for a thread, or for its key's previous check).
 */
export type HostVerdict = { checked: true; host: HostFacts } | { checked: false; reason: string; slow: boolean };

export interface HostCheckerOptions {
  maxAtoms: number;
  /** The worker's limits, so a structure passes here exactly when it passes there. */
  maxInputAtoms: number;
  threads: number;
  timeoutMs: number;
  /** Verdicts remembered. */
  capacity?: number;
}

const THREAD_MODULE = new URL('./host-check-thread.ts', import.meta.url);
/** Reading and sizing a structure of at most BODY_LIMIT text needs far less. */
const THREAD_MEMORY_MB = 512;
/** Loading the core and moyo in a fresh thread takes about a second; on a loaded machine, more. */
const WARM_UP_TIMEOUT_MS = 60_000;
/**
 * Reads, analyses and sizes an inline structure at submission (the core's `prepareHost`), so a
 * bad structure or an oversized supercell is refused with 422 before anything is queued, and the
 * job's cost can be estimated from what the check learnt (atoms, orbits, supercell, time taken).
 *
 * Reading and the symmetry search take milliseconds on ordinary cells and up to about a second on
 * the largest legal ones (MAX_INPUT_ATOMS), so they run in a few threads, never on the event loop,
 * within `timeoutMs`. A structure not checked in
 * time is accepted, not refused: the worker runs the same checks with a far longer budget (as it
 * does for structures given by URL), so a slow but legal structure still gets its answer, and the
 * API has spent at most `timeoutMs` of one thread on it.
 *
 * Verdicts are deterministic in the structure, the fields `prepareHost` reads and the atom limits:
 * they are remembered under a hash of just those (the same structure comes back with other seeds,
 * caps or as retries) in a small LRU, and concurrent checks of the same key share one run.
 *
 * Each API key has at most one check running at a time (its next waits, within the same time
 * limit), so one key's slow structures cannot hold every check thread.
 */
export class HostChecker {
  private readonly verdicts = new Map<string, HttpError | HostVerdict>();
  private readonly running = new Map<string, Promise<HttpError | HostVerdict>>();
  private readonly threads: ThreadPool<HostCheckTask, HostCheckReply>;
  /** Per API key, the end of its last check in line. */
  private readonly turns = new Map<string, Promise<void>>();
  private warming: Promise<void> | null = null;
  private warmed = false;

  constructor(private readonly options: HostCheckerOptions) {
    this.threads = new ThreadPool({ module: THREAD_MODULE, size: options.threads, memoryMb: THREAD_MEMORY_MB });
  }

  /**
   * Starts the threads and has each of them check the WARM_UP_STRUCTURES (every reader, several
   * lattices), so that loading the core and moyo's WebAssembly (a second or so per thread) and
   * compiling the paths a first structure of each kind takes are done before the first
   * submission, not during it. Resolves when every thread has answered; `isWarm` says so from then on.
   */
  warm(): Promise<void> {
    this.threads.warm();
    this.warming ??= (async () => {
      for (const { content, format } of WARM_UP_STRUCTURES) {
        const task: HostCheckTask = { content, format, request: {}, maxAtoms: this.options.maxAtoms, maxInputAtoms: this.options.maxInputAtoms };
        // One task per thread, all at once: each occupies its own thread until it is done.
        await Promise.allSettled(Array.from({ length: this.options.threads }, () => this.threads.run(task, { timeoutMs: WARM_UP_TIMEOUT_MS })));
      }
      this.warmed = true;
    })();
    return this.warming;
  }

  get isWarm(): boolean {
    return this.warmed;
  }

  /**
   * Resolves when the structure passes or could not be checked in time; throws the 422 (HttpError)
   * otherwise. `owner` is the API key whose turn this is (one running check per key).
   */
  async check(structure: InlineStructure, parameters: Record<string, unknown>, owner = ''): Promise<HostVerdict> {
    const deadline = Date.now() + this.options.timeoutMs;
    const request = Object.fromEntries(HOST_REQUEST_FIELDS.map((field) => [field, parameters[field]]));
    const task: HostCheckTask = {
      content: structure.content,
      ...(structure.format ? { format: structure.format } : {}),
      ...(structure.filename ? { filename: structure.filename } : {}),
      ...(structure.species ? { species: structure.species } : {}),
      request,
      maxAtoms: this.options.maxAtoms,
      maxInputAtoms: this.options.maxInputAtoms,
    };
    const key = createHash('sha256')
      .update(canonicalJson({ format: task.format ?? null, filename: task.filename ?? null, species: task.species ?? null, request, maxAtoms: task.maxAtoms, maxInputAtoms: task.maxInputAtoms }))
      .update('\0')
      .update(task.content)
      .digest('hex');
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      let run = this.running.get(key);
      if (!run) {
        run = this.inTurn(owner, deadline, () => this.evaluate(task, key, deadline)).finally(() => this.running.delete(key));
        this.running.set(key, run);
      }
      verdict = await run;
    } else {
      // Most recently used last: the first key is the one to evict.
      this.verdicts.delete(key);
      this.verdicts.set(key, verdict);
    }
    if (verdict instanceof HttpError) throw verdict;
    return verdict;
  }

  /** Runs `check` once `owner`'s previous checks have ended, or gives up (unchecked) at `deadline`. */
  private async inTurn(owner: string, deadline: number, check: () => Promise<HttpError | HostVerdict>): Promise<HttpError | HostVerdict> {
    const previous = this.turns.get(owner) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const last = previous.then(() => mine);
    this.turns.set(owner, last);
    let timer: NodeJS.Timeout | undefined;
    try {
      const myTurn = await Promise.race([
        previous.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())))),
      ]);
      if (!myTurn) return { checked: false, reason: `the structure was not checked within ${this.options.timeoutMs} ms (this API key's previous check was still running)`, slow: false };
      return await check();
    } finally {
      clearTimeout(timer);
      release();
      if (this.turns.get(owner) === last) this.turns.delete(owner);
    }
  }

  private remember(key: string, verdict: HttpError | HostVerdict): HttpError | HostVerdict {
    this.verdicts.delete(key);
    if (this.verdicts.size >= (this.options.capacity ?? 1000)) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(key, verdict);
    return verdict;
  }

  private async evaluate(task: HostCheckTask, key: string, deadline: number): Promise<HttpError | HostVerdict> {
    // What is left of the time limit once this key's previous check ended.
    const budgetMs = Math.max(1, deadline - Date.now());
    let reply;
    try {
      reply = await this.threads.run(task, { timeoutMs: budgetMs });
    } catch (err) {
      if (err instanceof ThreadTimeout) {
        const reason = `the structure was not checked within ${this.options.timeoutMs} ms`;
        if (!err.started) return { checked: false, reason: `${reason} (every check thread was busy)`, slow: false };
        // Slow to analyse is a property of the structure, known only when its analysis had most of
        // the time limit; running out of what the key's previous check left over is not.
        if (budgetMs < this.options.timeoutMs / 2) {
          return { checked: false, reason: `${reason} (only ${budgetMs} ms were left after this API key's previous check)`, slow: false };
        }
        return this.remember(key, { checked: false, reason: `${reason} (too large or complex to analyse at submission)`, slow: true });
      }
      if (err instanceof ThreadCrashed) return { checked: false, reason: `the check thread failed: ${err.message}`, slow: false };
      if (err instanceof ThreadCancelled) throw new HttpError(503, 'unavailable', 'The service is shutting down; retry shortly', undefined, { 'retry-after': '2' });
      throw err;
    }
    if (reply.kind === 'done') return this.remember(key, { checked: true, host: reply.host });
    const refusal = refusalOf(reply.error);
    if (!refusal) {
      const bug = new Error(`host check failed: ${reply.error.message}`);
      if (reply.error.stack) bug.stack = reply.error.stack;
      throw bug;
    }
    return this.remember(key, refusal);
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}

/** The 422 for what the core refused (code as the worker gives it, failureCode); null for a failure that is not the input's fault. */
function refusalOf(failure: HostCheckFailure): HttpError | null {
  if (!failure.core) return null;
  const { message } = failure;
  const code = failureCode(failure);
  if (code === 'invalid_request') return invalidRequest(failure.issues ?? []);
  const path = code === 'invalid_supercell' ? 'supercell' : 'structure.content';
  return new HttpError(422, code, message, [{ path, message }]);
}
