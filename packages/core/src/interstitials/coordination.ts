import type { Vec3 } from '../base/linalg.ts';
import type { HostEnvironment, HostNeighbor } from './environment.ts';

/** Host atoms within this factor of the nearest distance form a site's first coordination shell. */
export const COORDINATION_FACTOR = 1.1;

export interface Coordination {
  /** Distance to the nearest host atom, Å. */
  minHostDistance: number;
  /** First-shell host atoms by element, e.g. { Cd: 4 }. */
  byElement: Record<string, number>;
  /** The first shell itself, nearest first. */
  shell: HostNeighbor[];
}

export function coordinationOf(env: HostEnvironment, frac: Vec3, factor = COORDINATION_FACTOR): Coordination {
  const nearest = env.nearestDistance(frac);
  // A tiny absolute slack keeps exactly equidistant atoms (cubic sites) from splitting on rounding.
  const shell = env.within(frac, nearest * factor + 1e-6);
  const byElement: Record<string, number> = {};
  for (const nb of shell) byElement[nb.element] = (byElement[nb.element] ?? 0) + 1;
  return { minHostDistance: nearest, byElement: sortedRecord(byElement), shell };
}

function sortedRecord(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
