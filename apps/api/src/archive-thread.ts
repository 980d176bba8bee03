/**
 * Runs in one of the API's archive threads: decompresses a stored answer, parses it and zips every
 * candidate's files. For a large action that is hundreds of milliseconds of CPU, which on the
 * event loop would stall every other request.
 */
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { DefectAnswer } from '@defect-candidates/core';
import { archiveFilename, buildArchive } from '@defect-candidates/service/archive';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import type { ArchiveReply, ArchiveTask } from './archives.ts';

if (!parentPort) throw new Error('archive-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: ArchiveTask) => {
  try {
    const answer = JSON.parse(gunzipSync(task.gzip).toString('utf8')) as DefectAnswer;
    const zip = buildArchive(answer);
    // zipSync's output may be a view on a larger buffer: transfer a buffer of its own.
    const own = new Uint8Array(zip.byteLength);
    own.set(zip);
    port.postMessage({ kind: 'done', zip: own, filename: archiveFilename(answer as never) } satisfies ArchiveReply, [own.buffer]);
  } catch (err) {
    port.postMessage({ kind: 'failed', error: threadFailure(err) } satisfies ArchiveReply);
  }
});
