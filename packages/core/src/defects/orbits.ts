import { periodicDistance } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fromConventional } from '../symmetry/setting.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
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
 * Each host orbit's canonical site, keyed by the orbit's representative (first) input site: the
 * orbit's site nearest the label's conventional representative (symmetry/label.ts's canonical
 * point of the orbit, a property of the crystal), as fractional coordinates of the input cell
 * wrapped into [0, 1). Equally near sites (only within rounding) go to the lexicographically
 * smallest, so no choice follows the order the file lists the sites in.
 */
export function canonicalOrbitSites(structure: Structure, analysis: SymmetryAnalysis): Map<number, Vec3> {
  const best = new Map<number, { point: Vec3; distance: number; site: Vec3 }>();
  analysis.orbits.forEach((rep, site) => {
    let current = best.get(rep);
    if (!current) {
      current = { point: fromConventional(analysis.conventional, analysis.sites[rep].conventionalFracCoords), distance: Infinity, site: [0, 0, 0] };
      best.set(rep, current);
    }
    const d = periodicDistance(structure.lattice, structure.fracCoords[site], current.point);
    const wrapped = wrapFrac(structure.fracCoords[site]);
    if (d < current.distance - 1e-9 || (d <= current.distance + 1e-9 && compareCoordinates(wrapped, current.site) < 0)) {
      current.distance = Math.min(d, current.distance);
      current.site = wrapped;
    }
  });
  return new Map([...best].map(([rep, { site }]) => [rep, site]));
}

/**
 * Host orbits in the order their first site appears in the input: the ranking of lattice-site
 * defects. Each orbit's `unitCellFrac` is its canonical site (`canonicalOrbitSites`), so it does
 * not depend on the order the file lists the sites in.
 */
export function hostOrbits(ctx: HostContext): HostOrbit[] {
  const { structure, analysis, supercell, supercellToInput } = ctx;
  const canonical = canonicalOrbitSites(structure, analysis);
  const byRep = new Map<number, HostOrbit>();
  const order: HostOrbit[] = [];
  analysis.orbits.forEach((rep) => {
    if (byRep.has(rep)) return;
    const orbit: HostOrbit = { representative: rep, element: structure.species[rep], unitCellFrac: canonical.get(rep)!, supercellSites: [], supercellPositions: [] };
    byRep.set(rep, orbit);
    order.push(orbit);
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
