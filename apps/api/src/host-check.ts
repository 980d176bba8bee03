import { createHash } from 'node:crypto';
import { CoreError, RequestError, StructureError, SupercellError, prepareHost, type StructureFormat } from '@defect-candidates/core';
import { canonicalJson } from '@defect-candidates/service/store/idempotency';
import { HttpError, invalidRequest } from './errors.ts';

export interface InlineStructure {
  content: string;
  format?: string;
  filename?: string;
}

/**
 * Reads, analyses and sizes an inline structure at submission (the core's `prepareHost`), so a
 * bad structure or an oversized supercell is refused with 422 before anything is queued.
 *
 * It costs milliseconds of CPU on the request path, and the same structure tends to come back
 * with other parameters or as retries: verdicts are remembered (by a hash of the structure, the
 * parameters and the atom limit; they are deterministic) in a small LRU.
 */
export class HostChecker {
  private readonly verdicts = new Map<string, HttpError | null>();

  constructor(
    private readonly maxAtoms: number,
    private readonly capacity = 1000,
  ) {}

  check(structure: InlineStructure, parameters: Record<string, unknown>): void {
    const key = createHash('sha256')
      .update(canonicalJson({ format: structure.format ?? null, filename: structure.filename ?? null, parameters, maxAtoms: this.maxAtoms }))
      .update('\0')
      .update(structure.content)
      .digest('hex');
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      verdict = this.evaluate(structure, parameters);
      if (this.verdicts.size >= this.capacity) this.verdicts.delete(this.verdicts.keys().next().value as string);
    } else {
      this.verdicts.delete(key);
    }
    this.verdicts.set(key, verdict);
    if (verdict) throw verdict;
  }

  private evaluate(structure: InlineStructure, parameters: Record<string, unknown>): HttpError | null {
    try {
      prepareHost(
        {
          content: structure.content,
          ...(structure.format ? { format: structure.format as StructureFormat } : {}),
          ...(structure.filename ? { filename: structure.filename } : {}),
        },
        parameters as never,
        { maxAtoms: this.maxAtoms },
      );
      return null;
    } catch (err) {
      if (err instanceof StructureError) return new HttpError(422, 'invalid_structure', err.message, [{ path: 'structure.content', message: err.message }]);
      if (err instanceof SupercellError) return new HttpError(422, 'invalid_supercell', err.message, [{ path: 'supercell', message: err.message }]);
      if (err instanceof RequestError) return invalidRequest(err.issues);
      if (err instanceof CoreError) return new HttpError(422, err.code, err.message);
      throw err;
    }
  }
}
