import { requestedTypes, type DefectRequest } from '@defect-candidates/core';

/** What the submission check learnt about an inline host (the core's `prepareHost`, in a check thread). */
export interface HostFacts {
  /** Sites in the input cell. */
  inputAtoms: number;
  /** Symmetry-distinct sites of the input cell (orbits of its space group). */
  orbits: number;
  /** Distinct elements of the host. */
  elements: number;
  /** Sites in the supercell every candidate is built in. */
  supercellAtoms: number;
  /** Wall time of reading, symmetry and supercell search in the check thread, ms. */
  prepareMs: number;
}

/** The request fields the estimate reads (the core's parsed request has them all). */
export type CostRequest = Pick<DefectRequest, 'defect_types' | 'dopant_elements' | 'max_candidates' | 'output_formats'>;

/**
 * Coefficients of the estimate, fitted on the core benchmark (bench/RESULTS.md, "Scaling" and the
 * per-stage tables, 2-core VM) and on P1 cells of 64–216 atoms (jittered iron grids):
 * - a fixed 4 ms per run (charges, selection, serialising and compressing the answer);
 * - reading, symmetry and the supercell search: what the check thread measured (`prepareMs`),
 *   because generation repeats them and their cost varies between structures of the same size
 *   (since issue 11 about 0.1 s for a 512-atom supercell given as input, 0.3 s at 4,913 atoms);
 * - interstitials: 0.015 ms × input atoms × orbits (the Voronoi analysis and clustering grow with
 *   both: 109, 233 and 718 ms on P1 cells of 64, 125 and 216 atoms);
 * - writing: 0.4 µs per supercell atom, per candidate, per output format (7.7 µs per atom for 10
 *   candidates in 2 formats).
 */
export const COST_MODEL = { fixedMs: 4, interstitialMsPerAtomOrbit: 0.015, writeMsPerAtomCandidateFormat: 0.0004 } as const;

/**
 * Most candidates the request can produce on this host: per family an upper bound from the host
 * (vacancies: one per orbit; substitutions: per orbit, every other host element and every dopant;
 * interstitials: per orbit's environment, every host element and dopant), capped by `max_candidates`.
 */
export function candidateBound(host: Pick<HostFacts, 'orbits' | 'elements'>, request: CostRequest): number {
  const families = requestedTypes(request as DefectRequest);
  const dopants = request.dopant_elements.length;
  let bound = 0;
  if (families.includes('vacancy')) bound += host.orbits;
  if (families.includes('substitution')) bound += host.orbits * Math.max(0, host.elements - 1 + dopants);
  if (families.includes('interstitial')) bound += host.orbits * (host.elements + dopants);
  return Math.min(request.max_candidates, bound);
}

/**
 * Estimated wall time of generating this request on this host, in ms on the benchmark machine
 * (see COST_MODEL for the terms and where they come from). An estimate for routing, not a promise:
 * it errs high for hosts of high symmetry, whose interstitial search is cheaper than P1's.
 */
export function estimateJobMs(host: HostFacts, request: CostRequest): number {
  const m = COST_MODEL;
  const interstitials = requestedTypes(request as DefectRequest).includes('interstitial') ? m.interstitialMsPerAtomOrbit * host.inputAtoms * host.orbits : 0;
  const writing = m.writeMsPerAtomCandidateFormat * host.supercellAtoms * candidateBound(host, request) * request.output_formats.length;
  return m.fixedMs + host.prepareMs + interstitials + writing;
}
