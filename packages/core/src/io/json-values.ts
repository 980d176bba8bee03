import { StructureError, type StructureFormat } from '../base/errors.ts';
import type { Mat3, Vec3 } from '../base/linalg.ts';
import { preview } from '../base/preview.ts';

/** Shared checks for JSON inputs: errors name the format ('JSON' or 'pymatgen JSON') and the field. */
export interface JsonSite {
  /** 1-based position in the site list. */
  index: number;
  /** Label or element, shown beside the index. */
  name?: string;
}

export function jsonFail(format: StructureFormat, message: string, site?: JsonSite): never {
  const name = format === 'pymatgen' ? 'pymatgen JSON' : 'JSON';
  const where = site === undefined ? '' : ` site ${site.index}${site.name === undefined ? '' : ` (${site.name})`}`;
  throw new StructureError(`${name}${where}: ${message}`, { format, site: site?.index });
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function asVec3(format: StructureFormat, x: unknown, field: string, site?: JsonSite): Vec3 {
  if (!Array.isArray(x) || x.length !== 3 || !x.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    jsonFail(format, `${field} must be three numbers, found ${preview(x)}`, site);
  }
  return [x[0], x[1], x[2]] as Vec3;
}

/** A 3x3 lattice given either as the matrix itself or as `{ matrix }`. */
export function asLattice(format: StructureFormat, x: unknown): Mat3 {
  const matrix = isRecord(x) ? x.matrix : x;
  if (!Array.isArray(matrix) || matrix.length !== 3) {
    jsonFail(format, `lattice must be a 3x3 matrix (rows a, b, c in Å) or { "matrix": 3x3 }, found ${preview(x)}`);
  }
  const rows = matrix as unknown[];
  return [asVec3(format, rows[0], 'lattice row a'), asVec3(format, rows[1], 'lattice row b'), asVec3(format, rows[2], 'lattice row c')];
}
