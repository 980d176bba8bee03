import { coordinateKey, hostOrbits } from './orbits.ts';
import type { DefectDraft, HostContext } from './types.ts';

/** One vacancy per symmetry-distinct host site, in input order of the orbits. */
export function vacancyDrafts(ctx: HostContext): DefectDraft[] {
  return hostOrbits(ctx).map((orbit) => ({
    family: 'vacancy',
    origin: 'native',
    species: null,
    hostSpecies: orbit.element,
    label: ctx.analysis.sites[orbit.representative],
    unitCellFrac: orbit.unitCellFrac,
    supercellPositions: orbit.supercellPositions,
    supercellSites: orbit.supercellSites,
    key: `vacancy|${orbit.element}|${coordinateKey(orbit.unitCellFrac)}`,
  }));
}
