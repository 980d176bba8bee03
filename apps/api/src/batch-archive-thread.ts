/**
 * Runs in one of the API's batch-archive threads: one successful item of a batch at a time, its
 * stored answer decompressed, parsed, laid out and deflated (deflateAnswerFiles). For a large
 * answer that is hundreds of milliseconds of CPU, which on the event loop would stall every other
 * request; the API only frames the deflated files into the zip it streams.
 */
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { DefectAnswer } from '@defect-candidates/core';
import { deflateAnswerFiles } from '@defect-candidates/service/archive';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import type { BatchArchiveReply, BatchArchiveTask } from './batch-archive.ts';

if (!parentPort) throw new Error('batch-archive-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: BatchArchiveTask) => {
  try {
    const answer = JSON.parse(gunzipSync(task.gzip).toString('utf8')) as DefectAnswer;
    const formula = String(answer.host?.formula ?? '').replace(/[^A-Za-z0-9]+/g, '');
    const folder = `${task.label}${formula ? `_${formula}` : ''}`;
    const files = deflateAnswerFiles(answer, folder);
    port.postMessage({ kind: 'done', folder, files } satisfies BatchArchiveReply, files.map((f) => f.data.buffer));
  } catch (err) {
    port.postMessage({ kind: 'failed', error: threadFailure(err) } satisfies BatchArchiveReply);
  }
});
