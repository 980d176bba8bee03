/**
 * Runs in one of the API's archive threads: decompresses a stored answer and parses it, then zips
 * every candidate's files (an action's archive.zip), or lays out and deflates one batch item's
 * folder (deflateAnswerFiles; the API only frames those files into the batch zip it streams). For
 * a large action that is hundreds of milliseconds of CPU, which on the event loop would stall
 * every other request.
 */
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { DefectAnswer } from '@defect-candidates/core';
import { archiveFilename, buildArchive, deflateAnswerFiles } from '@defect-candidates/service/archive';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import type { ArchiveReply, ArchiveTask } from './archives.ts';

if (!parentPort) throw new Error('archive-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: ArchiveTask) => {
  try {
    const answer = JSON.parse(gunzipSync(task.gzip).toString('utf8')) as DefectAnswer;
    if (task.kind === 'batch-item') {
      const formula = String(answer.host?.formula ?? '').replace(/[^A-Za-z0-9]+/g, '');
      const folder = `${task.label}${formula ? `_${formula}` : ''}`;
      const files = deflateAnswerFiles(answer, folder);
      port.postMessage({ kind: 'done', folder, files } satisfies ArchiveReply, files.map((f) => f.data.buffer));
      return;
    }
    const zip = buildArchive(answer);
    // zipSync's output may be a view on a larger buffer: transfer a buffer of its own.
    const own = new Uint8Array(zip.byteLength);
    own.set(zip);
    port.postMessage({ kind: 'done', zip: own, filename: archiveFilename(answer as never) } satisfies ArchiveReply, [own.buffer]);
  } catch (err) {
    port.postMessage({ kind: 'failed', error: threadFailure(err) } satisfies ArchiveReply);
  }
});
