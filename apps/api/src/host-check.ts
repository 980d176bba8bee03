import { createHash } from 'node:crypto';
import { HOST_REQUEST_FIELDS } from '@defect-candidates/core';
import { canonicalJson } from '@defect-candidates/service/store/idempotency';
import { type ThreadFailure, failureCode } from '@defect-candidates/service/threads/failure';
import { ThreadCancelled, ThreadCrashed, ThreadPool, ThreadTimeout } from '@defect-candidates/service/threads/pool';
import { HttpError, invalidRequest } from './errors.ts';

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

export type HostCheckReply = { kind: 'done' } | { kind: 'failed'; error: HostCheckFailure };

/** The structure passed, or could not be checked in time and is left to the worker (`reason`). */
export type HostVerdict = { checked: true } | { checked: false; reason: string };

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

const PASSED: HostVerdict = { checked: true };

/**
 * Reads, analyses and sizes an inline structure at submission (the core's `prepareHost`), so a
 * bad structure or an oversized supercell is refused with 422 before anything is queued.
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
 */
export class HostChecker {
  private readonly verdicts = new Map<string, HttpError | HostVerdict>();
  private readonly running = new Map<string, Promise<HttpError | HostVerdict>>();
  private readonly threads: ThreadPool<HostCheckTask, HostCheckReply>;

  constructor(private readonly options: HostCheckerOptions) {
    this.threads = new ThreadPool({ module: THREAD_MODULE, size: options.threads, memoryMb: THREAD_MEMORY_MB });
  }

  /** Starts the threads, so the first submissions do not wait for the core to load. */
  warm(): void {
    this.threads.warm();
  }

  /** Resolves when the structure passes or could not be checked in time; throws the 422 (HttpError) otherwise. */
  async check(structure: InlineStructure, parameters: Record<string, unknown>): Promise<HostVerdict> {
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
        run = this.evaluate(task, key).finally(() => this.running.delete(key));
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

  private remember(key: string, verdict: HttpError | HostVerdict): HttpError | HostVerdict {
    this.verdicts.delete(key);
    if (this.verdicts.size >= (this.options.capacity ?? 1000)) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(key, verdict);
    return verdict;
  }

  private async evaluate(task: HostCheckTask, key: string): Promise<HttpError | HostVerdict> {
    let reply;
    try {
      reply = await this.threads.run(task, { timeoutMs: this.options.timeoutMs });
    } catch (err) {
      if (err instanceof ThreadTimeout) {
        const reason = `the structure was not checked within ${this.options.timeoutMs} ms`;
        // Slow to analyse is a property of the structure; waiting for a busy thread is not.
        return err.started ? this.remember(key, { checked: false, reason: `${reason} (too large or complex to analyse at submission)` }) : { checked: false, reason: `${reason} (every check thread was busy)` };
      }
      if (err instanceof ThreadCrashed) return { checked: false, reason: `the check thread failed: ${err.message}` };
      if (err instanceof ThreadCancelled) throw new HttpError(503, 'unavailable', 'The service is shutting down; retry shortly', undefined, { 'retry-after': '2' });
      throw err;
    }
    if (reply.kind === 'done') return this.remember(key, PASSED);
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
