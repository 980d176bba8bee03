/**
 * Every failure the core reports on purpose is a CoreError: the service turns these into 4xx
 * answers (or an `invalid_structure` action error) and anything else into a 500/internal.
 */
export class CoreError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export type StructureFormat = 'cif' | 'poscar' | 'pymatgen' | 'json' | 'extxyz';

export interface StructureErrorLocation {
  format?: StructureFormat | 'unknown';
  line?: number;
  site?: string | number;
}

/** The input text is not a structure we can use; the message names the format, the line or site, and the problem. */
export class StructureError extends CoreError {
  readonly format: StructureFormat | 'unknown' | undefined;
  readonly line: number | undefined;
  readonly site: string | number | undefined;
  constructor(message: string, where: StructureErrorLocation = {}, code = 'invalid_structure') {
    super(code, message, { ...where });
    this.format = where.format;
    this.line = where.line;
    this.site = where.site;
  }
}

/** A supercell request that cannot be honoured (bad matrix, too many atoms). */
export class SupercellError extends CoreError {
  constructor(message: string, code = 'invalid_supercell', details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** A request that fails validation; `issues` has one entry per offending field. */
export class RequestError extends CoreError {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super('invalid_request', issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '), { issues });
    this.issues = issues;
  }
}
