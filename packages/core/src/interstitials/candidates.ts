import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { fixedWyckoffPositions } from '../symmetry/label.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { SYMMETRY_PREFERENCE } from './cluster.ts';
import type { HostEnvironment } from './environment.ts';
import { type SiteCandidate, findEquivalent, placeOnSymmetry, reduceToOrbits } from './reduce.ts';
import type { VoronoiVertex } from './voronoi.ts';

/** Points of two sources closer than this (Å), up to symmetry, are the same site. */
export const COINCIDENCE_TOLERANCE = 0.1;
/** Atoms this much (Å) farther than the nearest still count as equidistant when finding the Voronoi facet a point lies on. */
const FACET_TOLERANCE = 0.02;

/** Whether an automatically found point may hold an interstitial: far enough from the host and not out in a vacuum. */
export type Admissible = (frac: Vec3, radius: number) => boolean;

/** The Voronoi vertices that pass the filter, reduced to one candidate per orbit. */
export function voronoiCandidates(
  vertices: VoronoiVertex[],
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  admissible: Admissible,
): SiteCandidate[] {
  const kept = vertices.filter((v) => admissible(v.fracCoords, v.radius)).map((v) => v.fracCoords);
  // Moving a vertex onto its special position changes its clearance by a hair: filter again.
  return reduceToOrbits(kept, analysis, env, 'voronoi').filter((c) => admissible(c.fracCoords, c.radius));
}

/**
 * The space group's Wyckoff positions without a free parameter that no Voronoi vertex already
 * covers (BCC's octahedral 6b is the classic case: the centre of a Voronoi face, not a vertex).
 *
 * Such a point always lies on the boundary between the Voronoi cells of its nearest atoms, on a
 * face or an edge whose ends are Voronoi vertices. When the roomiest of those vertices has more
 * than 1/0.85 of the point's clearance, the point is only the narrow passage between two cavities
 * (a bond centre, the middle of a cube edge in rock salt) and is dropped: doped's symmetry
 * preference rule, applied to the cavities the point connects. Kept points are separate sites
 * even when a vertex lies within the clustering distance: they are exact special positions, not
 * numerical near-duplicates (BCC's octahedral and tetrahedral sites are only 0.72 Å apart).
 */
export function wyckoffCandidates(
  structure: Structure,
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  vertices: VoronoiVertex[],
  admissible: Admissible,
): SiteCandidate[] {
  const out: SiteCandidate[] = [];
  for (const { fracCoords } of fixedWyckoffPositions(structure, analysis)) {
    const radius = env.nearestDistance(fracCoords);
    if (!admissible(fracCoords, radius)) continue;
    // A vertex here already took part in the clustering, whatever became of it.
    if (vertices.some((v) => distanceToImage(env, fracCoords, v.fracCoords) <= COINCIDENCE_TOLERANCE)) continue;
    const facet = facetVertices(env, fracCoords, radius, vertices);
    const roomiest = Math.max(0, ...facet.map((v) => v.radius));
    if (radius < SYMMETRY_PREFERENCE * roomiest - 1e-9) continue;
    const placed = placeOnSymmetry(analysis, fracCoords, analysis.symprec);
    out.push({ ...placed, radius, source: 'wyckoff' });
  }
  return out;
}

/** Voronoi vertices on the face or edge shared by the cells of the atoms nearest to `frac`. */
function facetVertices(env: HostEnvironment, frac: Vec3, radius: number, vertices: VoronoiVertex[]): VoronoiVertex[] {
  const nearest = env.within(frac, radius + FACET_TOLERANCE);
  const centre = env.toCart(frac);
  const out: VoronoiVertex[] = [];
  for (const v of vertices) {
    const image = nearestImageCart(env, frac, v.fracCoords);
    // Both the point and the vertex are equidistant from the shared atoms: they are at most the sum of those distances apart.
    if (Math.hypot(image[0] - centre[0], image[1] - centre[1], image[2] - centre[2]) > radius + v.radius + FACET_TOLERANCE) continue;
    const onFacet = nearest.every((atom) => {
      const d = Math.hypot(image[0] - atom.cart[0], image[1] - atom.cart[1], image[2] - atom.cart[2]);
      return Math.abs(d - v.radius) <= FACET_TOLERANCE;
    });
    if (onFacet) out.push(v);
  }
  return out;
}

/** Cartesian position of the image of `frac` nearest to the point `from`. */
function nearestImageCart(env: HostEnvironment, from: Vec3, frac: Vec3): Vec3 {
  const base: Vec3 = [frac[0] - from[0], frac[1] - from[1], frac[2] - from[2]];
  for (let i = 0; i < 3; i++) base[i] -= Math.round(base[i]);
  let best: Vec3 = [0, 0, 0];
  let bestD = Infinity;
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        const c = env.toCart([base[0] + i, base[1] + j, base[2] + k]);
        const d = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
  const origin = env.toCart(from);
  return [origin[0] + best[0], origin[1] + best[1], origin[2] + best[2]];
}

function distanceToImage(env: HostEnvironment, a: Vec3, b: Vec3): number {
  const image = nearestImageCart(env, a, b);
  const c = env.toCart(a);
  return Math.hypot(image[0] - c[0], image[1] - c[1], image[2] - c[2]);
}

/**
 * The caller's own sites, each checked against the host: one closer to an atom than the minimum
 * distance is dropped with a warning naming it, as is one equivalent to an earlier user site.
 */
export function userCandidates(
  sites: Vec3[],
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  minDistance: number,
): { candidates: SiteCandidate[]; warnings: string[] } {
  const candidates: SiteCandidate[] = [];
  const warnings: string[] = [];
  sites.forEach((site, index) => {
    const name = `interstitial_sites[${index}] (${site.map((x) => round(x, 4)).join(', ')})`;
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
