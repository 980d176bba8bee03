/** What the worker process and its generation threads say to each other. */
export interface ThreadTask {
  content: string;
  format?: string;
  filename?: string;
  request: Record<string, unknown>;
  maxAtoms: number;
}

export interface ThreadFailure {
  /** A CoreError: the input's fault (bad structure, impossible supercell), not ours. */
  core: boolean;
  name: string;
  code?: string;
  message: string;
  stack?: string;
}

export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'progress'; stage: string; percent: number }
  | { kind: 'done'; gzip: Uint8Array; candidates: number }
  | { kind: 'failed'; error: ThreadFailure };
