import { CoreError, RequestError } from '@defect-candidates/core';

/** An error thrown in a thread, as it can cross to the parent (Error objects lose their class). */
export interface ThreadFailure {
  /** A CoreError: the input's fault (bad structure, impossible supercell, bad request), not ours. */
  core: boolean;
  name: string;
  code?: string;
  message: string;
  /** Per-field problems of a RequestError. */
  issues?: { path: string; message: string }[];
  /** Only for failures that are not the input's fault: they are bugs to log. */
  stack?: string;
}

export function threadFailure(err: unknown): ThreadFailure {
  const e = err as Error;
  return {
    core: err instanceof CoreError,
    name: e?.name ?? 'Error',
    message: e?.message ?? String(err),
    ...(err instanceof CoreError ? { code: err.code } : { stack: e?.stack }),
    ...(err instanceof RequestError ? { issues: err.issues } : {}),
  };
}

/**
 * The error code a refusal of the core carries, the same whichever way the structure came (inline,
 * refused at submission with 422; by URL, ending the action): one code per fault. A structure the
 * core cannot use (including one with more atoms than MAX_INPUT_ATOMS) is `invalid_structure`, a
 * supercell it cannot build (above MAX_ATOMS) `invalid_supercell`, a bad request `invalid_request`.
 */
export function failureCode(failure: ThreadFailure): 'invalid_structure' | 'invalid_supercell' | 'invalid_request' {
  if (failure.name === 'SupercellError') return 'invalid_supercell';
  if (failure.name === 'RequestError') return 'invalid_request';
  return 'invalid_structure';
}
