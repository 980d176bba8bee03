// Entry of every pool thread. Node 20 does not apply the parent's `--import tsx` loader to a
// worker thread's entry file, so the thread registers tsx itself, then loads the TypeScript module
// its pool names.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
