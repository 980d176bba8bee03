import type { Vec3 } from '../base/linalg.ts';
import type { SiteLabel } from '../symmetry/types.ts';

/** Clearances closer than this (Å) count as equal, so exact ties are not decided by rounding noise. */
const DISTANCE_TIE = 1e-4;

function compareCoordinates(a: Vec3, b: Vec3): number {
  for (let i = 0; i < 3; i++) if (Math.abs(a[i] - b[i]) > 1e-6) return a[i] - b[i];
  return 0;
}

/** Roomiest first (distance to the nearest host atom), then the more symmetric, then by coordinates. */
export function compareSites(a: { radius: number; order: number; fracCoords: Vec3 }, b: { radius: number; order: number; fracCoords: Vec3 }): number {
  if (Math.abs(a.radius - b.radius) > DISTANCE_TIE) return b.radius - a.radius;
  if (a.order !== b.order) return b.order - a.order;
  return compareCoordinates(a.fracCoords, b.fracCoords);
}

/**
 * The ranking of finished sites: roomiest first, then the more symmetric (fewer equivalent
 * positions in the cell), then by Wyckoff letter and conventional coordinates so ties never depend
 * on the order the sites were found in.
 */
export function compareLabelledSites(
  a: { minHostDistance: number; label: SiteLabel },
  b: { minHostDistance: number; label: SiteLabel },
): number {
  if (Math.abs(a.minHostDistance - b.minHostDistance) > DISTANCE_TIE) return b.minHostDistance - a.minHostDistance;
  if (a.label.multiplicity !== b.label.multiplicity) return a.label.multiplicity - b.label.multiplicity;
  const letter = (w: string) => w.replace(/^\d+/, '');
  const la = letter(a.label.wyckoff);
  const lb = letter(b.label.wyckoff);
  if (la !== lb) return la.length !== lb.length ? la.length - lb.length : la < lb ? -1 : 1;
  return compareCoordinates(a.label.conventionalFracCoords, b.label.conventionalFracCoords);
}
