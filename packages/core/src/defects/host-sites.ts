import { PAULING_ELECTRONEGATIVITY } from '../base/electronegativity.ts';
import type { Structure } from '../base/structure.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
import { canonicalOrbitSites } from './orbits.ts';
import type { DefectAnswer } from './types.ts';

export type HostSite = DefectAnswer['host']['sites'][number];

/**
 * The answer's `host.sites`: one entry per symmetry-distinct site of the input cell, none of it
 * depending on the order the file lists its atoms in. Each site's `frac_coords` are its orbit's
 * canonical site (`canonicalOrbitSites`: fractional, input cell, wrapped into [0, 1), unrounded);
 * the sites are ordered by element as pymatgen orders a formula (Pauling electronegativity, then
 * symbol: cations first), then Wyckoff letter, then the label's conventional representative
 * (symmetry/label.ts), lexicographically. `oxidationPerSite` is indexed by input site (one value
 * per orbit, read at its representative), null when unknown.
 */
export function hostSites(structure: Structure, analysis: SymmetryAnalysis, oxidationPerSite: readonly (number | null)[] | null | undefined): HostSite[] {
  const canonical = canonicalOrbitSites(structure, analysis);
  const reps = [...canonical.keys()].sort((a, b) => compareSites(structure, analysis, a, b));
  return reps.map((i) => ({
    element: structure.species[i],
    wyckoff: analysis.sites[i].wyckoff,
    site_symmetry: analysis.sites[i].siteSymmetry,
    point_group: analysis.sites[i].pointGroup,
    multiplicity: analysis.sites[i].multiplicity,
    frac_coords: canonical.get(i)!,
    oxidation_state: oxidationPerSite?.[i] ?? null,
  }));
}

function compareSites(structure: Structure, analysis: SymmetryAnalysis, a: number, b: number): number {
  const ea = structure.species[a];
  const eb = structure.species[b];
  if (ea !== eb) {
    const x = (el: string) => PAULING_ELECTRONEGATIVITY[el] ?? Infinity;
    const d = x(ea) - x(eb);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return ea < eb ? -1 : 1;
  }
  const la = letter(analysis.sites[a].wyckoff);
  const lb = letter(analysis.sites[b].wyckoff);
  if (la !== lb) return la.length - lb.length || (la < lb ? -1 : 1);
  return compareCoordinates(analysis.sites[a].conventionalFracCoords, analysis.sites[b].conventionalFracCoords);
}

/** The letter of a Wyckoff label (`24g` → `g`; the tables' 27th letter is `α`). */
function letter(wyckoff: string): string {
  return wyckoff.replace(/^\d+/, '');
}
