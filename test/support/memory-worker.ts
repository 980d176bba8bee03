/**
 * A worker process (the same one `npm run start:worker` runs) that also answers memory probes
 * over IPC: `{type: 'memory'}` runs the garbage collector (node --expose-gc) and replies with
 * `process.memoryUsage()`, so a test can watch its heap and RSS across many jobs.
 */
import { startWorkerProcess } from '../../apps/worker/src/process.ts';
import { defaultPlugins } from '../../apps/worker/src/plugins.ts';

const running = await startWorkerProcess({ plugins: defaultPlugins() });

const collect = async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
};

process.on('message', (message: { type: string; id?: number }) => {
  if (message.type === 'memory') {
    void collect().then(() => process.send!({ type: 'memory', id: message.id, usage: process.memoryUsage(), gc: typeof (globalThis as { gc?: unknown }).gc === 'function' }));
  } else if (message.type === 'stop') {
    void running.close(1_000).finally(() => process.exit(0));
  }
});
process.send!({ type: 'ready' });
