import type { Vec3 } from '../base/linalg.ts';
import { wrapFrac } from './geometry.ts';
import type { HostContext } from './types.ts';

/** One symmetry-distinct host site: its representative input site and where its copies sit in the supercell. */
export interface HostOrbit {
  /** Index of the representative (first) input site of the orbit. */
  representative: number;
  element: string;
  unitCellFrac: Vec3;
  supercellSites: number[];
  supercellPositions: Vec3[];
}

/** Host orbits in the order their first site appears in the input: the ranking of lattice-site defects. */
export function hostOrbits(ctx: HostContext): HostOrbit[] {
  const { structure, analysis, supercell, supercellToInput } = ctx;
  const byRep = new Map<number, HostOrbit>();
  const order: HostOrbit[] = [];
  for (const rep of analysis.orbits) {
    if (byRep.has(rep)) continue;
    const orbit: HostOrbit = { representative: rep, element: structure.species[rep], unitCellFrac: wrapFrac(structure.fracCoords[rep]), supercellSites: [], supercellPositions: [] };
    byRep.set(rep, orbit);
    order.push(orbit);
  }
  supercellToInput.forEach((inputSite, s) => {
    const orbit = byRep.get(analysis.orbits[inputSite])!;
    orbit.supercellSites.push(s);
    orbit.supercellPositions.push(wrapFrac(supercell.structure.fracCoords[s]));
  });
  return order;
}

export function coordinateKey(v: Vec3): string {
  return v.map((x) => x.toFixed(6)).join(',');
}
