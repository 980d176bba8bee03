import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { toInputFrac } from '../symmetry/label.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import { type VacuumRegion, describeVacuum, findVacuum, inVacuum } from './vacuum.ts';
import type { VoronoiVertex } from './voronoi.ts';

/**
 * doped's vacuum radius is this many times the host's shortest interatomic distance, and never
 * under VACUUM_RADIUS_MIN (doped's `get_interstitial_sites`: `max(min_dist(host) * 1.5, 2.5)`).
 */
export const VACUUM_RADIUS_FACTOR = 1.5;
/** Å; see VACUUM_RADIUS_FACTOR. */
export const VACUUM_RADIUS_MIN = 2.5;

/** What a host with vacuum along one, two or three lattice directions is: periodic in two, one or none. */
export type LowDimensionalKind = 'slab' | 'rod' | 'molecule';

/** A host treated as low-dimensional: its vacuum regions (input cell) and the axes it stays periodic along. */
export interface LowDimensionalHost {
  kind: LowDimensionalKind;
  /** One region per vacuum axis of the input cell, in axis order (a, b, c). */
  regions: VacuumRegion[];
  /** The input cell's axes (0 = a, 1 = b, 2 = c) without vacuum: two for a slab, one for a rod, none for a molecule. */
  periodicAxes: (0 | 1 | 2)[];
  /** doped's vacuum radius for this host, Å. */
  vacuumRadius: number;
}

/** Shortest distance (Å) between two atoms of the host, periodic images included (a one-atom cell's shortest lattice vector). */
export function shortestInteratomicDistance(env: HostEnvironment): number {
  let best = Infinity;
  for (const frac of env.structure.fracCoords) {
    let radius = 3;
    for (;;) {
      const [nearest] = env.within(frac, radius, { excludeSelf: true });
      if (nearest) {
        best = Math.min(best, nearest.distance);
        break;
      }
      radius *= 2;
    }
  }
  return best;
}

/** doped's vacuum radius (Å): `max(1.5 × shortest interatomic distance, 2.5)`. */
export function vacuumRadius(env: HostEnvironment): number {
  return Math.max(VACUUM_RADIUS_FACTOR * shortestInteratomicDistance(env), VACUUM_RADIUS_MIN);
}

/**
 * Whether the host is a slab or layer, a rod or a molecule in a box, and along which axes of the
 * input cell its vacuum lies; null for a bulk host.
 *
 * doped's rule (`get_interstitial_sites`) makes the decision: a host has vacuum when a vertex of
 * its Voronoi tessellation lies farther than the vacuum radius (`vacuumRadius`) from every atom.
 * The vacuum regions of `findVacuum` (an atom-free layer of the input cell over 5 Å thick) say
 * where: a region counts only when such a vertex lies inside it. So a stack of atomic planes 5.5 Å
 * apart with atoms 2.75 Å apart in the planes (a one-atom hexagonal W cell with c = 5.5 Å) is bulk,
 * as in doped: the holes between its planes are 3.2 Å from the atoms, under its 4.1 Å vacuum radius.
 *
 * `env` and `vertices` belong to the idealized primitive cell (ideal.ts); `structure` is the input,
 * whose axes the regions are measured along.
 */
export function findLowDimensional(
  structure: Structure,
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  vertices: VoronoiVertex[],
): LowDimensionalHost | null {
  const candidates = findVacuum(structure);
  if (candidates.length === 0) return null;
  const radius = vacuumRadius(env);
  // A vertex of the primitive cell stands for its copies under the input's pure translations: any of them may be the one in the region.
  const open = vertices
    .filter((v) => v.radius > radius)
    .flatMap((v) => {
      const x = toInputFrac(analysis, v.fracCoords);
      return analysis.translations.map((t): Vec3 => [x[0] + t[0], x[1] + t[1], x[2] + t[2]]);
    });
  const regions = candidates.filter((region) => open.some((x) => inVacuum(region, x)));
  if (regions.length === 0) return null;
  const kind: LowDimensionalKind = regions.length === 1 ? 'slab' : regions.length === 2 ? 'rod' : 'molecule';
  const periodicAxes = ([0, 1, 2] as const).filter((axis) => !regions.some((r) => r.axis === axis));
  return { kind, regions, periodicAxes, vacuumRadius: radius };
}

const KIND_WORDS: Record<LowDimensionalKind, string> = {
  slab: 'a slab or layer',
  rod: 'a rod or wire',
  molecule: 'a molecule or cluster',
};

const ADSORPTION_WORDS: Record<LowDimensionalKind, string> = {
  slab: 'adsorption sites (on top of, bridging and in the hollows between its outermost atoms) are added on both of its surfaces',
  rod: 'adsorption sites (on top of its outermost atoms, outward from the rod axis) are added around it',
  molecule: 'adsorption sites (on top of its outermost atoms, outward from its centre) are added around it',
};

/** What became of a low-dimensional host's adsorption sites: added, none to place (atoms without an outward direction), or switched off. */
export type AdsorptionOutcome = 'added' | 'none' | 'off';

/**
 * The warning a low-dimensional host gets: that it was treated as one, along which axes its
 * vacuum lies, and whether adsorption sites were added, could not be placed, or were switched
 * off by the request.
 */
export function lowDimensionalWarning(host: LowDimensionalHost, adsorption: AdsorptionOutcome): string {
  const periodic = host.periodicAxes.length === 0 ? '' : `, periodic along ${host.periodicAxes.map((a) => 'abc'[a]).join(' and ')}`;
  const head =
    `The structure has a vacuum region along ${host.regions.map(describeVacuum).join(' and ')}: ` +
    `it is treated as low-dimensional (${KIND_WORDS[host.kind]}${periodic}); interstitial sites are generated inside it`;
  if (adsorption === 'added') return `${head}, and ${ADSORPTION_WORDS[host.kind]}.`;
  if (adsorption === 'off') return `${head} only: adsorption sites are not generated because adsorption_sites is false.`;
  return `${head} only: no adsorption site could be placed (its atoms all lie on its axis or at its centre, with no outward direction).`;
}
