// Entry of a generation thread. Node 20 does not apply the parent's `--import tsx` loader to a
// worker thread's entry file, so the thread registers tsx itself before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./generator-thread.ts');
