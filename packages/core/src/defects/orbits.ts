import { periodicDistance } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import { fromConventional } from '../symmetry/setting.ts';
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

/**
 * Host orbits in the order their first site appears in the input: the ranking of lattice-site
 * defects. Each orbit's `unitCellFrac` is its site nearest the label's conventional representative
 * (the canonical point of the orbit), so it does not depend on the order the file lists the sites in.
 */
export function hostOrbits(ctx: HostContext): HostOrbit[] {
  const { structure, analysis, supercell, supercellToInput } = ctx;
  const byRep = new Map<number, HostOrbit>();
  const order: HostOrbit[] = [];
  const ideal = new Map<number, { point: Vec3; distance: number }>();
  analysis.orbits.forEach((rep, site) => {
    let best = ideal.get(rep);
    if (!best) {
      best = { point: fromConventional(analysis.conventional, analysis.sites[rep].conventionalFracCoords), distance: Infinity };
      ideal.set(rep, best);
      const orbit: HostOrbit = { representative: rep, element: structure.species[rep], unitCellFrac: [0, 0, 0], supercellSites: [], supercellPositions: [] };
      byRep.set(rep, orbit);
      order.push(orbit);
    }
    const d = periodicDistance(structure.lattice, structure.fracCoords[site], best.point);
    if (d < best.distance - 1e-9) {
      best.distance = d;
      byRep.get(rep)!.unitCellFrac = wrapFrac(structure.fracCoords[site]);
    }
  });
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
