/*
 * Interstitial family plug (owner: H4). H3 created this file with a working first version because
 * generate() needed it; H4 owns it from here and may change anything inside, as long as
 * `interstitialCandidates(ctx)` keeps returning orbit-level DefectDrafts (family 'interstitial',
 * origin 'native' for host elements or the dopant, ranked within each origin) plus warnings.
 * The pipeline (defects/pipeline.ts) names them, guesses charges, places them nearest the
 * supercell centre, applies dedupe/caps/seeds and writes the structures.
 */
import { findInterstitialSites } from '../interstitials/find.ts';
import { interstitialMinDistance } from '../request.ts';
import { supercellImages } from './geometry.ts';
import { coordinateKey } from './orbits.ts';
import type { DefectDraft, HostContext } from './types.ts';

/** Self-interstitials of every host element, then every dopant, on each symmetry-distinct interstitial site. */
export function interstitialCandidates(ctx: HostContext): { drafts: DefectDraft[]; warnings: string[] } {
  const drafts: DefectDraft[] = [];
  const warnings = new Set<string>();
  const bySpeciesDistance = new Map<number, ReturnType<typeof findInterstitialSites>>();
  const userSites = ctx.request.interstitial_sites;
  for (const species of [...ctx.elements, ...ctx.dopants]) {
    const minDistance = interstitialMinDistance(ctx.request, species);
    let found = bySpeciesDistance.get(minDistance);
    if (!found) {
      found = findInterstitialSites(ctx.structure, ctx.analysis, { minDistance, userSites });
      bySpeciesDistance.set(minDistance, found);
    }
    for (const w of found.warnings) warnings.add(w);
    for (const site of found.sites) {
      drafts.push({
        family: 'interstitial',
        origin: ctx.elements.includes(species) ? 'native' : species,
        species,
        hostSpecies: null,
        label: site.label,
        unitCellFrac: site.fracCoords,
        supercellPositions: supercellImages(ctx.structure.lattice, ctx.supercell.structure.lattice, site.orbit),
        supercellSites: null,
        key: `interstitial|${species}|${coordinateKey(site.fracCoords)}`,
        extra: { min_host_distance: Math.round(site.minHostDistance * 1000) / 1000, coordination: site.coordination, source: site.source },
      });
    }
  }
  return { drafts, warnings: [...warnings] };
}
