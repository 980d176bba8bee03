/**
 * Runs in one of the API's check threads: the core's `prepareHost` on a submitted structure,
 * up to about a second of CPU on the largest legal cells, kept off the API's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { prepareHost, type StructureFormat } from '@defect-candidates/core';
import { threadFailure } from '@defect-candidates/service/threads/failure';
import { hostFacts } from '@defect-candidates/service/scheduling/cost';
import type { HostCheckReply, HostCheckTask } from './host-check.ts';

if (!parentPort) throw new Error('host-check-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: HostCheckTask) => {
  const reply = (message: HostCheckReply) => port.postMessage(message);
  try {
    const host = prepareHost(
      {
        content: task.content,
        ...(task.format ? { format: task.format as StructureFormat } : {}),
        ...(task.filename ? { filename: task.filename } : {}),
        ...(task.species ? { species: task.species } : {}),
      },
      task.request as never,
      { maxAtoms: task.maxAtoms, maxInputAtoms: task.maxInputAtoms },
    );
    reply({ kind: 'done', host: hostFacts(host) });
  } catch (err) {
    reply({ kind: 'failed', error: threadFailure(err) });
  }
});
