import type { Vec3 } from '../base/linalg.ts';
import { type InterstitialSite, findInterstitialSites } from '../interstitials/find.ts';
import { interstitialMinDistance } from '../request.ts';
import { supercellImages } from './geometry.ts';
import { coordinateKey } from './orbits.ts';
import type { DefectDraft, HostContext } from './types.ts';

/**
 * The interstitial family: every host element (self-interstitials, the 'native' group) and every
 * dopant (a group each) on each symmetry-distinct interstitial site, as orbit-level drafts for the
 * pipeline, which names them, guesses charges, places them and applies the caps.
 *
 * Within a group the drafts follow the sites' ranking (roomiest first, then most symmetric). The
 * native group holds several species, so it takes the best site for every host element before the
 * second-best for any: a cap then trims the least promising sites, never a whole element.
 */
export function interstitialCandidates(ctx: HostContext): { drafts: DefectDraft[]; warnings: string[] } {
  const warnings = new Set<string>();
  // The sites depend on the species only through the minimum distance (0.5 Å for hydrogen).
  const byMinDistance = new Map<number, InterstitialSite[]>();
  const sitesFor = (species: string): InterstitialSite[] => {
    const minDistance = interstitialMinDistance(ctx.request, species);
    let sites = byMinDistance.get(minDistance);
    if (!sites) {
      const found = findInterstitialSites(ctx.structure, ctx.analysis, {
        minDistance,
        clusterTolerance: ctx.request.interstitial_cluster_tolerance,
        userSites: ctx.request.interstitial_sites,
        adsorption: ctx.request.adsorption_sites,
      });
      for (const w of found.warnings) warnings.add(w);
      sites = found.sites;
      byMinDistance.set(minDistance, sites);
    }
    return sites;
  };

  const images = new Map<string, Vec3[]>();
  const draft = (species: string, origin: string, site: InterstitialSite): DefectDraft => {
    const key = coordinateKey(site.fracCoords);
    let supercellPositions = images.get(key);
    if (!supercellPositions) {
      // The orbit is in the primitive cell; every supercell is one of the primitive lattice too.
      supercellPositions = supercellImages(ctx.analysis.primitive.structure.lattice, ctx.supercell.structure.lattice, site.orbit);
      images.set(key, supercellPositions);
    }
    return {
      family: 'interstitial',
      origin,
      species,
      hostSpecies: null,
      label: site.label,
      unitCellFrac: site.fracCoords,
      supercellPositions,
      supercellSites: null,
      key: `interstitial|${species}|${key}`,
      extra: {
        min_host_distance: Math.round(site.minHostDistance * 1000) / 1000,
        coordination: site.coordination,
        source: site.source,
      },
    };
  };

  const drafts: DefectDraft[] = [];
  const native = ctx.elements.map((species) => ({ species, sites: sitesFor(species) }));
  const rounds = Math.max(0, ...native.map((n) => n.sites.length));
  for (let rank = 0; rank < rounds; rank++) {
    for (const { species, sites } of native) if (rank < sites.length) drafts.push(draft(species, 'native', sites[rank]));
  }
  for (const dopant of ctx.dopants) for (const site of sitesFor(dopant)) drafts.push(draft(dopant, dopant, site));
  return { drafts, warnings: [...warnings] };
}
