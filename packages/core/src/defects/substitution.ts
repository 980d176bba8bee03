import { coordinateKey, hostOrbits } from './orbits.ts';
import type { DefectDraft, HostContext } from './types.ts';

/**
 * Native antisites (every host element on every orbit of another element), then each extrinsic
 * dopant on every host orbit, orbit by orbit. Dopants that are host elements are not in
 * `ctx.dopants`: their substitutions are the antisites already.
 */
export function substitutionDrafts(ctx: HostContext): DefectDraft[] {
  const orbits = hostOrbits(ctx);
  const drafts: DefectDraft[] = [];
  const make = (origin: string, species: string, orbit: (typeof orbits)[number]): DefectDraft => ({
    family: 'substitution',
    origin,
    species,
    hostSpecies: orbit.element,
    label: ctx.analysis.sites[orbit.representative],
    unitCellFrac: orbit.unitCellFrac,
    supercellPositions: orbit.supercellPositions,
    supercellSites: orbit.supercellSites,
    key: `substitution|${species}|${orbit.element}|${coordinateKey(orbit.unitCellFrac)}`,
  });
  for (const orbit of orbits) {
    for (const element of ctx.elements) if (element !== orbit.element) drafts.push(make('native', element, orbit));
  }
  for (const dopant of ctx.dopants) for (const orbit of orbits) drafts.push(make(dopant, dopant, orbit));
  return drafts;
}
