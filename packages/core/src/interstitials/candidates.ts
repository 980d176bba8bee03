import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fixedWyckoffPositions, toPrimitiveFrac } from '../symmetry/label.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { SYMMETRY_PREFERENCE } from './preference.ts';
import type { HostEnvironment } from './environment.ts';
import { nearestImage } from './min-image.ts';
import { type SiteCandidate, findEquivalent, placeOnSymmetry } from './reduce.ts';
import type { VoronoiVertex } from './voronoi.ts';

/** Points of two sources closer than this (Å), up to symmetry, are the same site. */
export const COINCIDENCE_TOLERANCE = 0.1;
/**
 * Atoms this much (Å) farther than the nearest still count as equidistant when finding the Voronoi
 * facet a point lies on; at least a few times symprec, since the atoms may sit that far off their ideal places.
 */
const facetTolerance = (analysis: SymmetryAnalysis) => Math.max(0.02, 3 * analysis.symprec);

/**
 * Whether an automatically found point (fractional coordinates of the primitive cell) may hold an
 * interstitial: far enough from the host and not out in a vacuum.
 */
export type Admissible = (frac: Vec3, radius: number) => boolean;

/**
 * The space group's Wyckoff positions without a free parameter (in the primitive cell of
 * `structure`, the idealized analysis.primitive) that no Voronoi vertex already
 * covers (BCC's octahedral 6b is the classic case: the centre of a Voronoi face, not a vertex).
 *
 * Such a point always lies on the boundary between the Voronoi cells of its nearest atoms, on a
 * face or an edge whose ends are Voronoi vertices. When the roomiest of those vertices has more
 * than 1/0.85 of the point's clearance, the point is only the narrow passage between two cavities
 * (a bond centre, the middle of a cube edge in rock salt) and is dropped: doped's symmetry
 * preference rule, applied to the cavities the point connects. Kept points are separate sites
 * even when a vertex lies within the clustering distance: they are exact special positions, not
 * numerical near-duplicates (BCC's octahedral and tetrahedral sites are only 0.72 Å apart).
 * `positions` are the fixed positions to try (fixedWyckoffPositions' by default, to share one call).
 */
export function wyckoffCandidates(
  structure: Structure,
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  vertices: VoronoiVertex[],
  admissible: Admissible,
  positions: { primitiveFracCoords: Vec3 }[] = fixedWyckoffPositions(structure, analysis),
): SiteCandidate[] {
  const out: SiteCandidate[] = [];
  const tol = facetTolerance(analysis);
  const scratch = new Float64Array(3);
  for (const { primitiveFracCoords: fracCoords } of positions) {
    const radius = env.nearestDistance(fracCoords);
    if (!admissible(fracCoords, radius)) continue;
    const centre = env.toCart(fracCoords);
    // Only vertices within the sum of the two clearances can share a facet with the point.
    const nearby: { vertex: VoronoiVertex; cart: Vec3 }[] = [];
    let covered = false;
    for (const v of vertices) {
      const d2 = nearestImage(env, fracCoords, v.fracCoords, scratch);
      // A vertex here already took part in the clustering, whatever became of it.
      if (d2 <= COINCIDENCE_TOLERANCE * COINCIDENCE_TOLERANCE) {
        covered = true;
        break;
      }
      const reach = radius + v.radius + tol;
      if (d2 <= reach * reach) nearby.push({ vertex: v, cart: [centre[0] + scratch[0], centre[1] + scratch[1], centre[2] + scratch[2]] });
    }
    if (covered) continue;
    const facet = facetVertices(env, centre, radius, nearby, tol);
    const roomiest = Math.max(0, ...facet.map((v) => v.radius));
    if (radius < SYMMETRY_PREFERENCE * roomiest - 1e-9) continue;
    const placed = placeOnSymmetry(analysis, fracCoords, analysis.symprec);
    out.push({ ...placed, radius, source: 'wyckoff' });
  }
  return out;
}

/**
 * Voronoi vertices on the face or edge shared by the cells of the atoms nearest to the point at
 * `centre`: those as far from every one of these atoms as from their own nearest atom.
 */
function facetVertices(
  env: HostEnvironment,
  centre: Vec3,
  radius: number,
  vertices: { vertex: VoronoiVertex; cart: Vec3 }[],
  tol: number,
): VoronoiVertex[] {
  const nearest = env.within(env.toFrac(centre), radius + tol);
  return vertices
    .filter(
      ({ vertex, cart }) =>
        // The point and the vertex are both equidistant from the shared atoms: at most the sum of those distances apart.
        distance(cart, centre) <= radius + vertex.radius + tol &&
        nearest.every((atom) => Math.abs(distance(cart, atom.cart) - vertex.radius) <= tol),
    )
    .map(({ vertex }) => vertex);
}

function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * The caller's own sites (fractional coordinates of the input cell), each checked against the
 * host (`env`, the primitive cell): one closer to an atom than the minimum distance is dropped with
 * a warning naming it, as is one equivalent to an earlier user site. The candidates are in the
 * primitive cell's coordinates, as every other.
 */
export function userCandidates(
  sites: Vec3[],
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  minDistance: number,
): { candidates: SiteCandidate[]; warnings: string[] } {
  const candidates: SiteCandidate[] = [];
  const warnings: string[] = [];
  sites.forEach((given, index) => {
    const name = `interstitial_sites[${index}] (${given.map((x) => round(x, 4)).join(', ')})`;
    const site = toPrimitiveFrac(analysis, given);
    const [nearest] = env.within(site, env.nearestDistance(site) + 1e-9);
    if (nearest.distance < minDistance) {
      warnings.push(
        `${name} dropped: it is ${nearest.distance.toFixed(2)} Å from the nearest host atom (${nearest.element}), closer than the minimum distance of ${minDistance} Å`,
      );
      return;
    }
    // Snap only within the symmetry tolerance: a user's 0.3333 is 1/3, but a deliberate off-centre site stays put.
    const placed = placeOnSymmetry(analysis, site, analysis.symprec);
    const twin = findEquivalent(candidates, env, placed.fracCoords, COINCIDENCE_TOLERANCE);
    if (twin >= 0) {
      warnings.push(`${name} dropped: it is symmetry-equivalent to interstitial_sites[${candidates[twin].userIndex}]`);
      return;
    }
    candidates.push({ ...placed, radius: env.nearestDistance(placed.fracCoords), source: 'user', userIndex: index });
  });
  return { candidates, warnings };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
