/**
 * Runs in one of the API's check threads: the core's `prepareHost` on a submitted structure,
 * seconds of CPU on some large cells, kept off the API's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { CoreError, RequestError, prepareHost, type StructureFormat } from '@defect-candidates/core';
import type { HostCheckReply, HostCheckTask } from './host-check.ts';

if (!parentPort) throw new Error('host-check-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: HostCheckTask) => {
  const reply = (message: HostCheckReply) => port.postMessage(message);
  try {
    prepareHost(
      {
        content: task.content,
        ...(task.format ? { format: task.format as StructureFormat } : {}),
        ...(task.filename ? { filename: task.filename } : {}),
      },
      task.request as never,
      { maxAtoms: task.maxAtoms },
    );
    reply({ kind: 'done' });
  } catch (err) {
    const e = err as Error;
    reply({
      kind: 'failed',
      error: {
        core: err instanceof CoreError,
        name: e?.name ?? 'Error',
        message: e?.message ?? String(err),
        ...(err instanceof CoreError ? { code: err.code } : { stack: e?.stack }),
        ...(err instanceof RequestError ? { issues: err.issues } : {}),
      },
    });
  }
});
