/**
 * Runs in a worker thread: the core's `generate`, CPU-bound for seconds on large supercells, so
 * the worker process's event loop stays free to renew BullMQ locks and answer signals. The answer
 * is serialised and compressed here too, and handed back as a transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { generate } from '@defect-candidates/core';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import type { ThreadReply, ThreadTask } from './generator-messages.ts';

if (!parentPort) throw new Error('generator-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: ThreadTask) => {
  const reply = (message: ThreadReply, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  try {
    const answer = generate(
      {
        content: task.content,
        ...(task.format ? { format: task.format as never } : {}),
        ...(task.filename ? { filename: task.filename } : {}),
        ...(task.species ? { species: task.species } : {}),
        ...(task.warnings ? { warnings: task.warnings } : {}),
      },
      task.request as never,
      { maxAtoms: task.maxAtoms, maxInputAtoms: task.maxInputAtoms, onProgress: (stage, percent) => reply({ kind: 'progress', stage, percent }) },
    );
    const compressed = gzipSync(JSON.stringify(answer));
    // A small Buffer may sit in Node's shared pool: copy into a buffer of its own before transferring it.
    const own = new Uint8Array(compressed.byteLength);
    own.set(compressed);
    reply({ kind: 'done', gzip: own, candidates: answer.candidates.length }, [own.buffer]);
  } catch (err) {
    reply({ kind: 'failed', error: threadFailure(err) });
  }
});

port.postMessage({ kind: 'ready' } satisfies ThreadReply);
