import { StructureError } from '../base/errors.ts';

/** For tests: the StructureError `fn` throws, so its message and fields can be checked together. */
export function structureErrorOf(fn: () => unknown): StructureError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureError) return e;
    throw e;
  }
  throw new Error('expected a StructureError');
}
