import type { Vec3 } from '../base/linalg.ts';
import { inverse, norm, transpose } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';

/** An empty slab of the cell between two planes of atoms, along one lattice direction. */
export interface VacuumRegion {
  /** Lattice vector index: 0 = a, 1 = b, 2 = c. */
  axis: 0 | 1 | 2;
  /** Width of the empty region perpendicular to the other two lattice vectors, Å. */
  thickness: number;
  /** Fractional coordinate (along `axis`) of the atomic plane where the vacuum begins... */
  start: number;
  /** ...and of the one where it ends, possibly above 1 when the vacuum wraps around the cell boundary. */
  end: number;
}

/**
 * Bonds reach at most about 4 Å (van der Waals contacts included), so an atom-free layer thicker
 * than this cannot be the inside of a bulk crystal: it is vacuum, as in a slab model.
 */
export const VACUUM_THRESHOLD = 5;

/**
 * Vacuum regions of a cell: along each lattice direction, the widest gap between consecutive
 * atomic planes (periodically), measured perpendicular to the planes of the other two vectors.
 */
export function findVacuum(structure: Structure, threshold = VACUUM_THRESHOLD): VacuumRegion[] {
  const rec = transpose(inverse(structure.lattice.matrix));
  const regions: VacuumRegion[] = [];
  if (structure.fracCoords.length === 0) return regions;
  for (const axis of [0, 1, 2] as const) {
    const spacing = 1 / norm(rec[axis]);
    const values = structure.fracCoords.map((f) => f[axis] - Math.floor(f[axis])).sort((a, b) => a - b);
    let best = { gap: values[0] + 1 - values[values.length - 1], start: values[values.length - 1], end: values[0] + 1 };
    for (let i = 1; i < values.length; i++) {
      const gap = values[i] - values[i - 1];
      if (gap > best.gap) best = { gap, start: values[i - 1], end: values[i] };
    }
    const thickness = best.gap * spacing;
    if (thickness > threshold) regions.push({ axis, thickness, start: best.start, end: best.end });
  }
  return regions;
}

/** Whether a point lies in the vacuum, strictly beyond the atomic planes that bound it (a tolerance of `tol` Å). */
export function inVacuum(region: VacuumRegion, frac: Vec3, tol = 1e-3): boolean {
  const spacing = region.thickness / (region.end - region.start);
  const margin = tol / spacing;
  let x = frac[region.axis] - Math.floor(frac[region.axis]);
  if (x < region.start) x += 1;
  return x > region.start + margin && x < region.end - margin;
}

export function describeVacuum(region: VacuumRegion): string {
  return `${'abc'[region.axis]} (${region.thickness.toFixed(1)} Å of vacuum)`;
}
