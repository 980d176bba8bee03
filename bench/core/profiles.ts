import type { DefectRequestInput } from '@defect-candidates/core';
import type { BenchFixture, ReferenceSeconds } from './fixtures.ts';

/**
 * The requests the core benchmark times. `defaults` is the empty request (all three families,
 * native species, caps 24 and 8, POSCAR + pymatgen). The others add the dopant reference.json
 * used, so the work matches what pymatgen-analysis-defects was timed on.
 */
export interface Profile {
  name: string;
  description: string;
  request(fixture: BenchFixture): DefectRequestInput;
  /** The reference seconds this profile's `generate()` total compares with, or null. */
  referenceSeconds(reference: ReferenceSeconds): number | null;
  referenceLabel: string | null;
}

const dopants = (f: BenchFixture) => (f.dopant ? [f.dopant] : []);

export const PROFILES: Profile[] = [
  {
    name: 'defaults',
    description: 'request {} (all three families, native species, max 24 candidates, 8 per group, POSCAR + pymatgen)',
    request: () => ({}),
    referenceSeconds: () => null,
    referenceLabel: null,
  },
  {
    name: 'full',
    description: 'all three families + the reference dopant, caps at their maxima (200, 100), all four output formats',
    request: (f) => ({
      defect_types: ['vacancy', 'substitution', 'interstitial'],
      dopant_elements: dopants(f),
      max_candidates: 200,
      max_candidates_per_type: 100,
      output_formats: ['poscar', 'cif', 'pymatgen', 'extxyz'],
    }),
    referenceSeconds: (r) => r.vacancy + r.antisite + r.substitution + r.interstitial,
    referenceLabel: 'vacancy + antisite + substitution + interstitial generators',
  },
  {
    name: 'vacsub',
    description: 'vacancies + substitutions (antisites and the reference dopant), uncapped, POSCAR + pymatgen written',
    request: (f) => ({
      defect_types: ['vacancy', 'substitution'],
      dopant_elements: dopants(f),
      max_candidates: 200,
      max_candidates_per_type: 100,
    }),
    referenceSeconds: (r) => r.vacancy + r.antisite + r.substitution,
    referenceLabel: 'vacancy + antisite + substitution generators',
  },
  {
    name: 'interstitials',
    description: 'interstitials only (host species + the reference dopant), uncapped, POSCAR + pymatgen written',
    request: (f) => ({
      defect_types: ['interstitial'],
      dopant_elements: dopants(f),
      max_candidates: 200,
      max_candidates_per_type: 100,
    }),
    referenceSeconds: (r) => r.interstitial,
    referenceLabel: 'VoronoiInterstitialGenerator',
  },
];

export function profileByName(name: string): Profile {
  const p = PROFILES.find((x) => x.name === name);
  if (!p) throw new Error(`unknown profile "${name}"; known: ${PROFILES.map((x) => x.name).join(', ')}`);
  return p;
}
