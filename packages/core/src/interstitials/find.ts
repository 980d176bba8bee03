import { type Vec3, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { labelPrimitivePoint, toInputFrac } from '../symmetry/label.ts';
import { fromConventional } from '../symmetry/setting.ts';
import type { SiteLabel, SymmetryAnalysis } from '../symmetry/types.ts';
import { type Admissible, COINCIDENCE_TOLERANCE, userCandidates } from './candidates.ts';
import { CLUSTER_TOLERANCE } from './cluster.ts';
import { type HostNeighbor, HostEnvironment } from './environment.ts';
import { coordinationOf } from './coordination.ts';
import { compareLabelledSites } from './rank.ts';
import type { SiteSource } from './reduce.ts';
import { orbitDistance } from './group.ts';
import { selectSites } from './select.ts';
import { idealizedStructure } from './ideal.ts';
import { inVacuum } from './vacuum.ts';
import { adsorptionCandidates } from './adsorption.ts';
import { findLowDimensional, lowDimensionalWarning } from './low-dimensional.ts';
import { type VoronoiVertex, voronoiVertices } from './voronoi.ts';

export interface InterstitialSite {
  /**
   * Representative position, fractional coordinates of the input cell, wrapped: the orbit's point
   * at the label's conventional representative, so it does not depend on the order of the input's sites.
   */
  fracCoords: Vec3;
  /** The orbit's representative the search settled on, fractional coordinates of analysis.primitive. */
  primitiveFracCoords: Vec3;
  label: SiteLabel;
  /** Distance to the nearest host atom, Å. */
  minHostDistance: number;
  /** Host atoms within 1.1 × the nearest distance, by element. */
  coordination: Record<string, number>;
  source: SiteSource;
  /**
   * Every equivalent position in the primitive cell (analysis.primitive's fractional coordinates),
   * `primitiveFracCoords` first; with the input's pure translations they give the input cell's
   * `label.multiplicity` positions.
   */
  orbit: Vec3[];
  /** The first coordination shell (host atoms within 1.1 × the nearest distance), nearest first. */
  shell: HostNeighbor[];
}

export interface InterstitialSearchOptions {
  /** Sites closer than this (Å) to a host atom are dropped. */
  minDistance: number;
  /**
   * doped's `clustering_tol` (Å, the request's `interstitial_cluster_tolerance`, 0–2, default 0.8):
   * candidate points are clustered within it, and no two sites returned are closer than it unless
   * both are fixed-coordinate Wyckoff positions (select.ts).
   */
  clusterTolerance?: number;
  /** Extra sites from the caller, fractional coordinates of the input cell (the request's `interstitial_sites`). */
  userSites?: Vec3[];
  /** Adsorption sites on a low-dimensional host's surfaces (the request's `adsorption_sites`); default true. */
  adsorption?: boolean;
}

/** Idealized primitive cell and its tessellation per symmetry analysis: a generation asks once per minimum distance. */
const tessellations = new WeakMap<SymmetryAnalysis, { host: Structure; vertices: VoronoiVertex[] }>();

/**
 * Symmetry-distinct interstitial sites of a host, ranked: Voronoi vertices and free-of-parameter
 * Wyckoff positions far enough from the atoms, clustered and chosen as doped chooses them
 * (select.ts), one per orbit, plus the caller's sites, each replacing the found ones closer to it
 * than the cluster tolerance. A low-dimensional host (a slab, rod or molecule with vacuum, as doped
 * decides: low-dimensional.ts) gets no site in its vacuum but adsorption sites on its surfaces
 * (adsorption.ts), clustered with the others as doped does, unless `adsorption` is false.
 * Warnings cover dropped user sites and low-dimensional hosts.
 *
 * The search runs on the crystal's primitive cell (ideal.ts), with the group's at most 48
 * operations there: a 1,000-atom supercell given as input costs what its primitive cell costs.
 * Vacuum is looked for in the input cell, whose axes are the ones a slab is built along.
 */
export function findInterstitialSites(
  structure: Structure,
  analysis: SymmetryAnalysis,
  options: InterstitialSearchOptions,
): { sites: InterstitialSite[]; warnings: string[] } {
  let tessellation = tessellations.get(analysis);
  if (!tessellation) {
    const host = idealizedStructure(analysis);
    tessellation = { host, vertices: voronoiVertices(host, new HostEnvironment(host), analysis.primitive) };
    tessellations.set(analysis, tessellation);
  }
  const { host, vertices } = tessellation;
  const env = new HostEnvironment(host);
  const warnings: string[] = [];
  const { minDistance } = options;

  const lowDimensional = findLowDimensional(structure, analysis, env, vertices);
  const adsorption = options.adsorption ?? true;
  const adsorbed = lowDimensional && adsorption ? adsorptionCandidates(structure, analysis, env, lowDimensional) : [];
  if (lowDimensional) warnings.push(lowDimensionalWarning(lowDimensional, !adsorption ? 'off' : adsorbed.length > 0 ? 'added' : 'none'));
  const vacuum = lowDimensional?.regions ?? [];
  const admissible: Admissible = (frac, radius) => radius >= minDistance && !vacuum.some((region) => inVacuum(region, toInputFrac(analysis, frac)));

  const tol = options.clusterTolerance ?? CLUSTER_TOLERANCE;
  // doped clusters adsorption sites together with the rest.
  const found = selectSites(host, analysis, env, vertices, admissible, tol, adsorbed.filter((c) => c.radius >= minDistance));

  const user = userCandidates(options.userSites ?? [], analysis, env, minDistance);
  warnings.push(...user.warnings);
  for (const candidate of user.candidates) {
    // The caller's site replaces the found ones closer to it than the cluster tolerance: it is the
    // place the caller asked for, and the found ones would relax to the same minimum.
    // (At least the coincidence tolerance, so that with a tolerance of 0 the same place is still one site.)
    const kept = found.filter((f) => f.source === 'user' || orbitDistance(env, candidate.fracCoords, f) >= Math.max(tol, COINCIDENCE_TOLERANCE));
    found.splice(0, found.length, ...kept, candidate);
  }

  const sites = found.map((c): InterstitialSite => {
    const { minHostDistance, byElement, shell } = coordinationOf(env, c.fracCoords);
    const label = labelPrimitivePoint(analysis, c.fracCoords);
    return {
      fracCoords: wrapVec(fromConventional(analysis.conventional, label.conventionalFracCoords)),
      primitiveFracCoords: c.fracCoords,
      label,
      minHostDistance,
      coordination: byElement,
      source: c.source,
      orbit: c.orbit,
      shell,
    };
  });
  sites.sort(compareLabelledSites);
  return { sites, warnings };
}
