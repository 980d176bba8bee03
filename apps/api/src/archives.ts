import type { DeflatedFile } from '@defect-candidates/service/archive';
import type { ThreadFailure } from '@defect-candidates/service/threads/failure';
import { ThreadPool } from '@defect-candidates/service/threads/pool';

/**
 * What an archive thread gets: a stored answer exactly as kept (gzip-compressed JSON), and what to
 * make of it: an action's whole `archive.zip`, or one batch item's folder (`label`, the item's
 * padded index; the thread adds `_<formula>`) deflated for the batch archive the API streams.
 */
export type ArchiveTask = { kind: 'action'; gzip: Uint8Array } | { kind: 'batch-item'; gzip: Uint8Array; label: string };

/** The thread's answer: an action's zip, a batch item's folder and files, or why it failed. */
export type ArchiveReply =
  | { kind: 'done'; zip: Uint8Array; filename: string }
  | { kind: 'done'; folder: string; files: DeflatedFile[] }
  | { kind: 'failed'; error: ThreadFailure };

export interface BuiltArchive {
  zip: Uint8Array;
  /** `CdTe_defect_candidates.zip` (archiveFilename). */
  filename: string;
}

const THREAD_MODULE = new URL('./archive-thread.ts', import.meta.url);
/** The largest answers (1,000-atom supercells, 200 candidates, four formats) are tens of MB of JSON. */
const THREAD_MEMORY_MB = 1024;
const BUILD_TIMEOUT_MS = 120_000;

function threadError(error: ThreadFailure, what: string): Error {
  return Object.assign(new Error(`${what} failed: ${error.message}`), { stack: error.stack });
}

/**
 * Builds `archive.zip` downloads, of actions and of batches, in ARCHIVE_THREADS threads, never on
 * the API's event loop: decompressing, parsing and zipping a large answer costs hundreds of
 * milliseconds of CPU. Concurrent downloads of the same action share one build (a finished
 * action's answer never changes); items of concurrent batch downloads take turns with them.
 */
export class ArchiveBuilder {
  private readonly threads: ThreadPool<ArchiveTask, ArchiveReply>;
  private readonly running = new Map<string, Promise<BuiltArchive | null>>();

  constructor(options: { threads: number }) {
    this.threads = new ThreadPool({ module: THREAD_MODULE, size: options.threads, memoryMb: THREAD_MEMORY_MB });
  }

  /**
   * The zip of a successful action's answer. `stored` reads its gzip-compressed JSON (null when it
   * is gone); it is called once however many downloads of the action are waiting. Resolves null
   * when there is no stored answer; rejects if the thread fails.
   */
  build(actionId: string, stored: () => Promise<Uint8Array | null>): Promise<BuiltArchive | null> {
    let build = this.running.get(actionId);
    if (!build) {
      build = stored()
        .then((gzip) => (gzip ? this.threads.run({ kind: 'action', gzip }, { timeoutMs: BUILD_TIMEOUT_MS }) : null))
        .then((reply) => {
          if (reply === null) return null;
          if (reply.kind === 'failed') throw threadError(reply.error, 'archive build');
          if (!('zip' in reply)) throw new Error('archive build: the thread answered with a batch item');
          return { zip: reply.zip, filename: reply.filename };
        })
        .finally(() => this.running.delete(actionId));
      this.running.set(actionId, build);
    }
    return build;
  }

  /** One successful batch item's folder and its files, deflated; rejects if the thread fails. */
  async batchItem(task: { gzip: Uint8Array; label: string }): Promise<{ folder: string; files: DeflatedFile[] }> {
    const reply = await this.threads.run({ kind: 'batch-item', ...task }, { timeoutMs: BUILD_TIMEOUT_MS });
    if (reply.kind === 'failed') throw threadError(reply.error, 'batch archive item');
    if (!('folder' in reply)) throw new Error('batch archive item: the thread answered with an archive');
    return { folder: reply.folder, files: reply.files };
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
