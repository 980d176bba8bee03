import type { DeflatedFile } from '@defect-candidates/service/archive';
import type { ThreadFailure } from '@defect-candidates/service/threads/failure';
import { ThreadPool } from '@defect-candidates/service/threads/pool';

/** One successful batch item for a thread: its stored answer (gzip-compressed JSON) and the start of its folder name. */
export interface BatchArchiveTask {
  gzip: Uint8Array;
  /** `0042`: the item's index, padded; the thread adds `_<formula>`. */
  label: string;
}

/** A thread's answer: the item's folder and its files deflated, or why it failed. */
export type BatchArchiveReply = { kind: 'done'; folder: string; files: DeflatedFile[] } | { kind: 'failed'; error: ThreadFailure };

const THREAD_MODULE = new URL('./batch-archive-thread.ts', import.meta.url);
/** The largest answers (1,000-atom supercells, 200 candidates, four formats) are tens of MB of JSON. */
const THREAD_MEMORY_MB = 1024;
const ITEM_TIMEOUT_MS = 120_000;

/**
 * Prepares batch archives' items in threads, never on the API's event loop: one thread (batch
 * downloads are rare and each item is short), items of concurrent downloads taking turns.
 */
export class BatchArchiveThreads {
  private readonly threads = new ThreadPool<BatchArchiveTask, BatchArchiveReply>({ module: THREAD_MODULE, size: 1, memoryMb: THREAD_MEMORY_MB });

  /** One item's folder and deflated files; rejects if the thread fails. */
  async item(task: BatchArchiveTask): Promise<{ folder: string; files: DeflatedFile[] }> {
    const reply = await this.threads.run(task, { timeoutMs: ITEM_TIMEOUT_MS });
    if (reply.kind === 'failed') throw Object.assign(new Error(`batch archive item failed: ${reply.error.message}`), { stack: reply.error.stack });
    return { folder: reply.folder, files: reply.files };
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
