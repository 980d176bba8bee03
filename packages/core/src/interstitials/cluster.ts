import { type Vec3, wrapVec } from '../base/linalg.ts';
import { foldedSquaredDistance } from '../base/periodic-grid.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import { centroidClusters } from './linkage.ts';
import { distanceMatrix, nearestImage } from './min-image.ts';
import { preferred } from './preference.ts';
import type { SiteSource } from './reduce.ts';

/** doped's `clustering_tol` default (Å): the request's `interstitial_cluster_tolerance` when not given. */
export const CLUSTER_TOLERANCE = 0.8;

/** A point offered to the clustering: a Voronoi vertex or a point of a fixed Wyckoff position's orbit. */
export interface ClusterPoint {
  /** Fractional coordinates of the primitive cell the search works in (analysis.primitive). */
  fracCoords: Vec3;
  /** Distance to the nearest host atom, Å. */
  radius: number;
  source: SiteSource;
  /** Wyckoff label ('6b') when the point is a fixed-coordinate Wyckoff position (no free parameter), else null. */
  fixed: string | null;
  /** The point's exact orbit when already known (a fixed position's), so that it is not worked out again. */
  placed?: { fracCoords: Vec3; order: number; orbit: Vec3[] };
}

/** The point a cluster settled on (fractional coordinates of the primitive cell, wrapped). */
export interface ClusterChoice extends ClusterPoint {
  /** Order of its site-symmetry group at symprec (1 when not worked out: a lone point's is found later). */
  order: number;
}

/** Clearances closer than this (Å) count as equal when ordering the points. */
const DISTANCE_TIE = 1e-4;

/**
 * doped's `_doped_cluster_frac_coords` (doped/utils/symmetry.py) on every admissible point of the
 * primitive cell: the points are grouped by centroid linkage cut at `tol` Å (linkage.ts), and each
 * cluster is represented by one of its members or its centroid (the members' mean, each taken at
 * its image nearest the first), chosen by doped's preference (preference.ts): the most symmetric
 * unless its clearance is below 0.85 × the roomiest's. A cluster of one is that point.
 *
 * Differences from doped, kept on purpose:
 * - two points of fixed-coordinate Wyckoff positions with different letters never share a cluster
 *   (BCC's octahedral 6b and tetrahedral 12d, 0.72 Å apart, are both real minima); doped offers no
 *   such points by default (`include_unique_wyckoffs=False`) and so has no such rule;
 * - ties between equal distances are broken by the points' order, which is made canonical here
 *   (roomiest first, then by coordinates), so the clusters do not depend on the order of the
 *   host's atoms; doped's follow the order of its Voronoi nodes;
 * - each distinct point is offered once; qhull may list a vertex of a degenerate (cospherical)
 *   arrangement several times, which weighs it more in doped's centroids.
 *
 * Returns one choice per cluster, in no meaningful order (symmetry-equivalent clusters give
 * equivalent choices; group.ts keeps one per orbit). Site-symmetry orders are found with
 * analysis.symprec (doped: spglib at symprec 0.01 Å).
 */
export function clusterPoints(points: ClusterPoint[], env: HostEnvironment, analysis: SymmetryAnalysis, tol: number = CLUSTER_TOLERANCE): ClusterChoice[] {
  const sorted = [...points].sort(
    (a, b) => (Math.abs(a.radius - b.radius) > DISTANCE_TIE ? b.radius - a.radius : 0) || compareCoordinates(a.fracCoords, b.fracCoords),
  );
  const n = sorted.length;
  const distances = distanceMatrix(env, sorted.map((p) => p.fracCoords));
  const scratch = new Float64Array(3);
  const letters = [...new Set(sorted.map((p) => p.fixed).filter((f): f is string => f !== null))];
  const exclusive = sorted.map((p) => (p.fixed === null ? -1 : letters.indexOf(p.fixed)));
  const orderOf = (frac: Vec3) => siteSymmetryOrder(analysis, env, frac);

  return centroidClusters(n, distances, tol, exclusive).map((members): ClusterChoice => {
    if (members.length === 1) return { ...sorted[members[0]], order: 1 };
    const first = sorted[members[0]];
    const origin = env.toCart(first.fracCoords);
    const sum: Vec3 = [0, 0, 0];
    const contenders: ClusterChoice[] = members.map((m) => {
      nearestImage(env, first.fracCoords, sorted[m].fracCoords, scratch);
      sum[0] += origin[0] + scratch[0];
      sum[1] += origin[1] + scratch[1];
      sum[2] += origin[2] + scratch[2];
      return { ...sorted[m], order: orderOf(sorted[m].fracCoords) };
    });
    const centreCart: Vec3 = [sum[0] / members.length, sum[1] / members.length, sum[2] / members.length];
    const centre = wrapVec(env.toFrac(centreCart));
    // doped scores the centroid alongside the members; a centroid on a member is that member.
    if (!contenders.some((c) => nearestImage(env, c.fracCoords, centre, scratch) < 1e-12)) {
      contenders.push({ fracCoords: centre, radius: env.nearestDistance(centre), source: 'voronoi', fixed: null, order: orderOf(centre) });
    }
    const choice = preferred(contenders);
    return { ...choice, fracCoords: wrapVec(choice.fracCoords) };
  });
}

/**
 * Order of the site-symmetry group of a point (fractional coordinates of analysis.primitive): how
 * many of the primitive cell's operations map it to within analysis.symprec Å of itself, as
 * symmetry/orbit.ts `stabilizer` counts them, without building the images.
 */
/** siteSymmetryOrder's image of the point, reused: the count runs for every candidate of every cluster. */
const image: Vec3 = [0, 0, 0];

function siteSymmetryOrder(analysis: SymmetryAnalysis, env: HostEnvironment, x: Vec3): number {
  const tol2 = analysis.symprec * analysis.symprec;
  let count = 0;
  for (const { rotation: r, translation: t } of analysis.primitive.operations) {
    image[0] = r[0][0] * x[0] + r[0][1] * x[1] + r[0][2] * x[2] + t[0];
    image[1] = r[1][0] * x[0] + r[1][1] * x[1] + r[1][2] * x[2] + t[1];
    image[2] = r[2][0] * x[0] + r[2][1] * x[1] + r[2][2] * x[2] + t[2];
    if (foldedSquaredDistance(env.matrix, image, x) <= tol2) count++;
  }
  return Math.max(1, count);
}
