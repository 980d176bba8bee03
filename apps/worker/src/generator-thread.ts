/**
 * Runs in a worker thread: the core's `generate`, CPU-bound for seconds on large supercells, so
 * the worker process's event loop stays free to renew BullMQ locks and answer signals. The answer
 * is serialised and compressed here too, and handed back as a transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { generate, type PreparedHost } from '@defect-candidates/core';
import { estimateJobMs, hostFacts, isHeavy, type HostFacts } from '@defect-candidates/service/scheduling/cost';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import type { ThreadReply, ThreadTask } from './generator-messages.ts';

if (!parentPort) throw new Error('generator-thread.ts must run as a worker thread');
const port = parentPort;

/** Thrown from `onPrepared` to stop a run whose estimate is above the task's `heavyJobMs`. */
class EstimatedHeavy extends Error {
  constructor(
    readonly estimateMs: number,
    readonly host: HostFacts,
  ) {
    super(`estimated at ${estimateMs} ms`);
  }
}

port.on('message', (task: ThreadTask) => {
  const reply = (message: ThreadReply, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  const heavyJobMs = task.heavyJobMs;
  // The same estimate as the API's at submission (counts only, so the same answer here), made as
  // soon as the host is prepared: a heavy job leaves its light slot before any defect is built.
  const onPrepared =
    heavyJobMs === undefined
      ? undefined
      : (host: PreparedHost) => {
          const facts = hostFacts(host);
          const estimateMs = Math.round(estimateJobMs(facts, host.request));
          reply({ kind: 'estimate', estimateMs, host: facts });
          if (isHeavy(estimateMs, heavyJobMs)) throw new EstimatedHeavy(estimateMs, facts);
        };
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
      { maxAtoms: task.maxAtoms, maxInputAtoms: task.maxInputAtoms, onProgress: (stage, percent) => reply({ kind: 'progress', stage, percent }), ...(onPrepared ? { onPrepared } : {}) },
    );
    const compressed = gzipSync(JSON.stringify(answer));
    // A small Buffer may sit in Node's shared pool: copy into a buffer of its own before transferring it.
    const own = new Uint8Array(compressed.byteLength);
    own.set(compressed);
    reply({ kind: 'done', outcome: 'generated', gzip: own, candidates: answer.candidates.length }, [own.buffer]);
  } catch (err) {
    if (err instanceof EstimatedHeavy) return reply({ kind: 'done', outcome: 'heavy', estimateMs: err.estimateMs, host: err.host });
    reply({ kind: 'failed', error: threadFailure(err) });
  }
});

port.postMessage({ kind: 'ready' } satisfies ThreadReply);
