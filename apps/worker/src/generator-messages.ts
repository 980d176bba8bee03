import type { ThreadFailure } from '@defect-candidates/service/threads/failure';

/** What the worker process and its generation threads say to each other. */
export interface ThreadTask {
  content: string;
  format?: string;
  filename?: string;
  /** Element of each species block, given for a VASP 4 POSCAR. */
  species?: string[];
  /** What was assumed in getting `content` (unpacking the downloaded file): first among the answer's warnings. */
  warnings?: string[];
  request: Record<string, unknown>;
  maxAtoms: number;
  maxInputAtoms?: number;
}

export type { ThreadFailure };

export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'progress'; stage: string; percent: number }
  | { kind: 'done'; gzip: Uint8Array; candidates: number }
  | { kind: 'failed'; error: ThreadFailure };
