import type { StructureFormat } from '../base/errors.ts';
import type { Structure } from '../base/structure.ts';

/** A structure read from text, the format it was read as, and what the reader had to assume. */
export interface ReadResult {
  structure: Structure;
  format: StructureFormat;
  warnings: string[];
}
