import type { ThreadFailure } from '@defect-candidates/service/threads/failure';
import { ThreadPool } from '@defect-candidates/service/threads/pool';

/** What an archive thread gets: the answer exactly as stored (gzip-compressed JSON). */
export interface ArchiveTask {
  gzip: Uint8Array;
}

export type ArchiveReply = { kind: 'done'; zip: Uint8Array; filename: string } | { kind: 'failed'; error: ThreadFailure };

export interface BuiltArchive {
  zip: Uint8Array;
  /** `CdTe_defect_candidates.zip` (archiveFilename). */
  filename: string;
}

const THREAD_MODULE = new URL('./archive-thread.ts', import.meta.url);
/** The largest answers (1,000-atom supercells, 200 candidates, four formats) are tens of MB of JSON. */
const THREAD_MEMORY_MB = 1024;
const BUILD_TIMEOUT_MS = 120_000;

/**
 * Builds `archive.zip` downloads in threads, never on the API's event loop: decompressing,
 * parsing and zipping a large answer costs hundreds of milliseconds of CPU. Concurrent downloads
 * of the same action share one build (a finished action's answer never changes).
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
        .then((gzip) => (gzip ? this.threads.run({ gzip }, { timeoutMs: BUILD_TIMEOUT_MS }) : null))
        .then((reply) => {
          if (reply === null) return null;
          if (reply.kind === 'failed') throw Object.assign(new Error(`archive build failed: ${reply.error.message}`), { stack: reply.error.stack });
          return { zip: reply.zip, filename: reply.filename };
        })
        .finally(() => this.running.delete(actionId));
      this.running.set(actionId, build);
    }
    return build;
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
