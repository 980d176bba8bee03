/** A thread module for the pool's tests: each task names what the thread does. */
import { parentPort, threadId } from 'node:worker_threads';

export type FixtureTask =
  | { op: 'echo'; value: string }
  | { op: 'progress'; steps: number }
  | { op: 'spin' }
  | { op: 'refuse'; message: string }
  | { op: 'throw'; message: string }
  | { op: 'exit'; code: number };

export type FixtureReply =
  | { kind: 'step'; n: number }
  | { kind: 'done'; value: string; threadId: number }
  | { kind: 'failed'; message: string };

if (!parentPort) throw new Error('fixture-thread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: FixtureTask) => {
  const reply = (message: FixtureReply) => port.postMessage(message);
  switch (task.op) {
    case 'echo':
      return reply({ kind: 'done', value: task.value, threadId });
    case 'progress':
      for (let n = 1; n <= task.steps; n++) reply({ kind: 'step', n });
      return reply({ kind: 'done', value: 'stepped', threadId });
    case 'spin':
      // A synchronous computation that never ends: only terminating the thread stops it.
      for (;;);
    case 'refuse':
      return reply({ kind: 'failed', message: task.message });
    case 'throw':
      setImmediate(() => {
        throw new Error(task.message);
      });
      return;
    case 'exit':
      process.exit(task.code);
  }
});
