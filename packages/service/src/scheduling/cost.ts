import { requestedTypes, type DefectRequest, type PreparedHost } from '@defect-candidates/core';

/**
 * What reading, analysing and sizing a host (the core's `prepareHost`) tells about it: counts only,
 * so that an estimate made from them is the same on every machine, however loaded.
 */
export interface HostFacts {
  /** Sites in the input cell. */
  inputAtoms: number;
  /** Symmetry-distinct sites of the input cell (orbits of its space group); at most `inputAtoms`. */
  orbits: number;
  /** Distinct elements of the host. */
  elements: number;
  /** Sites in the supercell every candidate is built in. */
  supercellAtoms: number;
}

/** The counts of a prepared host (in the API's check thread, or the worker's generation thread). */
export function hostFacts(host: Pick<PreparedHost, 'structure' | 'analysis' | 'supercell'>): HostFacts {
  const { species } = host.structure;
  return {
    inputAtoms: species.length,
    orbits: new Set(host.analysis.orbits).size,
    elements: new Set(species).size,
    supercellAtoms: host.supercell.nSites,
  };
}

/** The request fields the estimate reads (the core's parsed request has them all). */
export type CostRequest = Pick<DefectRequest, 'defect_types' | 'dopant_elements' | 'max_candidates' | 'output_formats'>;

/**
 * Coefficients of the estimate, in ms of the benchmark machine (bench/RESULTS.md: the per-stage
 * tables, "Scaling", and the large input cells of issue 11, all on the 2-core VM), each multiplying
 * a count, never a measured time:
 * - a fixed 4 ms per run (charges, selection, serialising and compressing the answer);
 * - reading, symmetry and the supercell search: 0.1 ms per input atom (85 ms at 343 atoms, 375 ms at
 *   1,000 and 450 ms at 4,096 on the shared machine, about linear once the pure translations are
 *   factored out; a few ms for the small fixtures);
 * - interstitials: 0.015 ms × input atoms × orbits (the Voronoi analysis and clustering grow with
 *   both: 109, 233 and 718 ms on P1 cells of 64, 125 and 216 atoms);
 * - writing: 0.4 µs per supercell atom, per candidate, per output format (7.7 µs per atom for 10
 *   candidates in 2 formats).
 */
export const COST_MODEL = { fixedMs: 4, prepareMsPerInputAtom: 0.1, interstitialMsPerAtomOrbit: 0.015, writeMsPerAtomCandidateFormat: 0.0004 } as const;

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
 * Estimated run time of generating this request on this host, in ms on the benchmark machine (see
 * COST_MODEL for the terms and where they come from). A function of counts alone (atoms, orbits,
 * elements, supercell atoms, families, dopants, formats, max_candidates): the same job gets the same
 * estimate, and so the same queue, on any machine. Never decreases when any count grows. An
 * estimate for routing, not a promise: it errs high for hosts of high symmetry, whose interstitial
 * search is cheaper than P1's.
 */
export function estimateJobMs(host: HostFacts, request: CostRequest): number {
  const m = COST_MODEL;
  const prepare = m.prepareMsPerInputAtom * host.inputAtoms;
  const interstitials = requestedTypes(request as DefectRequest).includes('interstitial') ? m.interstitialMsPerAtomOrbit * host.inputAtoms * host.orbits : 0;
  const writing = m.writeMsPerAtomCandidateFormat * host.supercellAtoms * candidateBound(host, request) * request.output_formats.length;
  return m.fixedMs + prepare + interstitials + writing;
}

/** Whether a job of this estimate belongs on `generate-heavy` (HEAVY_JOB_MS, `heavyJobMs`). */
export function isHeavy(estimateMs: number, heavyJobMs: number): boolean {
  return estimateMs > heavyJobMs;
}
