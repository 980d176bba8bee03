import type { ThreadFailure } from '@defect-candidates/service/threads/failure';
import type { HostFacts } from '@defect-candidates/service/scheduling/cost';

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
  /**
   * Stop before building any defect when the job's cost estimate (from the prepared host's counts,
   * `estimateJobMs`) is above this many ms: the light queue's worker moves such a job to
   * `generate-heavy`. Absent: no estimate, generate whatever the cost.
   */
  heavyJobMs?: number;
}

export type { ThreadFailure };

export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'progress'; stage: string; percent: number }
  /** The host's counts and the cost estimate made from them (sent when `heavyJobMs` was given). */
  | { kind: 'estimate'; estimateMs: number; host: HostFacts }
  | { kind: 'done'; outcome: 'generated'; gzip: Uint8Array; candidates: number }
  /** Stopped after preparing the host: its estimate is above `heavyJobMs`. */
  | { kind: 'done'; outcome: 'heavy'; estimateMs: number; host: HostFacts }
  | { kind: 'failed'; error: ThreadFailure };
