import { StructureError } from '../../base/errors.ts';
import { previewList } from '../../base/preview.ts';
import type { Lattice } from '../../base/lattice.ts';
import { wrapVec, type Vec3 } from '../../base/linalg.ts';
import { closePairs } from '../close-pairs.ts';
import { applyOperation, type AffineOperation } from '../symops.ts';
import { CIF_MERGE_TOLERANCE } from '../tolerances.ts';

/** One row of a CIF's atom_site loop. */
export interface AtomRow {
  label: string;
  element: string;
  oxidationState: number | null;
  frac: Vec3;
  occupancy: number;
  /** Hydrogen atoms bonded to this atom but not listed as sites (`_atom_site_attached_hydrogens`), 0 when not given. */
  attachedHydrogens: number;
  line: number;
}

/**
 * Applies every operation to every row and keeps one atom per position (within
 * CIF_MERGE_TOLERANCE Å). The rows' own positions take precedence over images, so where an image
 * lands on a listed atom the file's coordinates and label are kept; output is row by row, each
 * row's listed atom first. Two different elements on one position are a disordered site: refused.
 */
export function expandRows(lattice: Lattice, rows: AtomRow[], operations: AffineOperation[]): { points: Vec3[]; source: number[]; warnings: string[] } {
  const points: Vec3[] = rows.map((row) => wrapVec(row.frac));
  const source: number[] = rows.map((_, r) => r);
  rows.forEach((row, r) => {
    for (const op of operations) {
      points.push(wrapVec(applyOperation(op, row.frac)));
      source.push(r);
    }
  });

  const duplicate = new Uint8Array(points.length);
  const mergedAcrossRows = new Set<string>();
  for (const { i, j } of closePairs(lattice, points, CIF_MERGE_TOLERANCE)) {
    if (i === j) continue;
    const a = rows[source[i]];
    const b = rows[source[j]];
    if (a.element !== b.element) {
      throw new StructureError(
        `CIF line ${b.line}: sites ${a.label} (${a.element}) and ${b.label} (${b.element}) occupy the same position: a site shared by two species is disordered, and disordered structures are out of scope`,
        { format: 'cif', line: b.line, site: b.label },
      );
    }
    // One pair of rows is one merge, whichever of their images met first.
    if (source[i] !== source[j]) mergedAcrossRows.add(source[i] < source[j] ? `${a.label}/${b.label}` : `${b.label}/${a.label}`);
    duplicate[j] = 1;
  }

  const kept = [...points.keys()].filter((p) => !duplicate[p]).sort((p, q) => source[p] - source[q] || p - q);
  const warnings = mergedAcrossRows.size > 0 ? [`CIF sites coincide after symmetry expansion and were merged: ${previewList([...mergedAcrossRows])}`] : [];
  return { points: kept.map((p) => points[p]), source: kept.map((p) => source[p]), warnings };
}
