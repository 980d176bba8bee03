import Delaunator from 'delaunator';
import { type Mat3, type Vec3, add, cross, dot, inverse, norm, scale, sub, vecmat, wrap01, wrapVec } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { toInputFrac } from '../symmetry/label.ts';
import { compareCoordinates } from '../symmetry/wyckoff.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import type { LowDimensionalHost } from './low-dimensional.ts';
import { type SiteCandidate, reduceToOrbits } from './reduce.ts';
import { type PlaneAtom, type SlabCell, slabCell } from './slab-cell.ts';

/**
 * Height (Å) of an adsorption site above the atoms it sits on, along the surface normal:
 * pymatgen's `AdsorbateSiteFinder.find_adsorption_sites(distance=2.0)`, the default doped calls it with.
 * For a bridge or hollow site it is measured from the centre of its two or three atoms.
 */
export const ADSORPTION_HEIGHT = 2.0;
/**
 * Atoms within this depth (Å) of a slab's outermost atom, along the normal, are its surface atoms:
 * pymatgen's `AdsorbateSiteFinder(height=0.9)`.
 */
export const SURFACE_DEPTH = 0.9;
/**
 * A hollow site needs an acute triangle: pymatgen's `no_obtuse_hollow`, which drops a triangle when
 * the cosine of any of its angles is below this (right angles included: a square's two halves).
 */
const ACUTE_COSINE = 1e-5;
/** Surface atoms whose projections onto the surface plane are closer than this (Å) are one column: only the outermost counts. */
const COLUMN_TOLERANCE = 0.01;
/** Copies of the surface cell on each side of it in the triangulated patch (pymatgen triangulates 5 × 5 copies). */
const PATCH_REACH = 2;

/**
 * Adsorption-like interstitial candidates of a low-dimensional host, one per orbit, with source
 * `adsorption`: doped adds pymatgen's adsorption sites to its Voronoi candidates when the host has
 * vacuum (see low-dimensional.ts), and these follow pymatgen's `AdsorbateSiteFinder` rules.
 *
 * - Slab or layer (vacuum along one axis): on each of its two surfaces, the surface atoms are those
 *   within SURFACE_DEPTH (0.9 Å) of the outermost one along the normal (the reciprocal direction of
 *   the vacuum axis), one per column. Their projections onto the surface plane, with their periodic
 *   copies, are triangulated (Delaunay, 2D); sites are on top of each surface atom, at the midpoint of
 *   each edge (bridge) and at the centroid of each acute triangle (hollow), each ADSORPTION_HEIGHT
 *   (2.0 Å) outward along the normal from the atom or the centre of its atoms. pymatgen looks at the
 *   top (+c) surface only; both surfaces are taken here, and symmetry merges them when a mirror or
 *   inversion relates them. The work is done on the primitive cell's surface (slab-cell.ts).
 * - Rod (vacuum along two axes) or molecule (all three): no surface plane to triangulate, so only
 *   on-top sites, ADSORPTION_HEIGHT outward from each exposed atom, away from the rod's axis (the
 *   line through the atoms' centroid along the periodic axis) or from the molecule's centroid. An
 *   atom is exposed when no other atom is closer to that point than the atom itself, which picks the
 *   outer shell of any cross-section; an atom on the axis or at the centre has no outward direction.
 *   One rod or molecule per cell is assumed.
 *
 * The points are reduced to orbits with the host's space group like every other candidate
 * (`reduceToOrbits`), so no two are equivalent; the caller filters them by distance. Coordinates are fractional coordinates of analysis.primitive; `env` is the idealized
 * primitive cell (ideal.ts), whose atoms the sites are built on, and `structure` the input cell
 * whose axes `host` refers to. The result does not depend on the order of the atoms: they are put
 * in coordinate order before the triangulation.
 */
export function adsorptionCandidates(
  structure: Structure,
  analysis: SymmetryAnalysis,
  env: HostEnvironment,
  host: LowDimensionalHost,
): SiteCandidate[] {
  const matrix = structure.lattice.matrix;
  const points = host.kind === 'slab' ? slabSites(slabCell(matrix, analysis, env, host.regions[0])) : outwardSites(matrix, analysis, env, host);
  const frac = points.map((cart) => wrapVec(env.toFrac(cart))).sort(compareCoordinates);
  return reduceToOrbits(frac, analysis, env, 'adsorption');
}

/** On-top, bridge and hollow sites (Cartesian, Å) above both surfaces of a slab. */
function slabSites(cell: SlabCell): Vec3[] {
  const { normal, plane } = cell;
  const e1 = scale(plane[0], 1 / norm(plane[0]));
  const e2 = cross(normal, e1);
  const toPlane = inverse([plane[0], plane[1], normal]);
  const ordered = [...cell.atoms].sort((a, b) => compareCoordinates(a.inPlane, b.inPlane));

  const sites: Vec3[] = [];
  for (const side of [1, -1]) {
    const outward = scale(normal, side);
    const top = Math.max(...ordered.map((a) => side * a.inPlane[2]));
    const surface = ordered.filter((a) => side * a.inPlane[2] >= top - SURFACE_DEPTH - 1e-9).sort((a, b) => side * (b.inPlane[2] - a.inPlane[2]));
    const columns: PlaneAtom[] = [];
    for (const atom of surface) {
      if (columns.some((c) => inPlaneDistance(plane, c, atom) < COLUMN_TOLERANCE)) continue;
      columns.push(atom);
    }
    const lift = scale(outward, ADSORPTION_HEIGHT);
    for (const c of columns) sites.push(add(c.cart, lift));

    // The surface cell and its copies around it, so that every triangle touching the cell is whole.
    const patch: Vec3[] = [];
    for (let p = -PATCH_REACH; p <= PATCH_REACH; p++)
      for (let q = -PATCH_REACH; q <= PATCH_REACH; q++)
        for (const c of columns) patch.push(add(c.cart, add(scale(plane[0], p), scale(plane[1], q))));
    if (patch.length < 3) continue;
    const flat = new Float64Array(patch.length * 2);
    patch.forEach((c, k) => {
      flat[2 * k] = dot(c, e1);
      flat[2 * k + 1] = dot(c, e2);
    });
    const { triangles } = new Delaunator(flat);
    // A point belongs to the surface cell when its in-plane coordinates are in [0, 1): each site is taken once.
    const inCell = (cart: Vec3) => {
      const f = vecmat(cart, toPlane);
      return f[0] >= -1e-6 && f[0] < 1 - 1e-6 && f[1] >= -1e-6 && f[1] < 1 - 1e-6;
    };
    const edges = new Set<number>();
    for (let t = 0; t < triangles.length; t += 3) {
      const corners = [triangles[t], triangles[t + 1], triangles[t + 2]];
      for (let k = 0; k < 3; k++) {
        const a = corners[k];
        const b = corners[(k + 1) % 3];
        const key = Math.min(a, b) * patch.length + Math.max(a, b);
        if (edges.has(key)) continue;
        edges.add(key);
        const bridge = add(scale(add(patch[a], patch[b]), 0.5), lift);
        if (inCell(bridge)) sites.push(bridge);
      }
      const [a, b, c] = corners.map((k) => patch[k]);
      if (!acute([a, b, c])) continue;
      const hollow = add(scale(add(add(a, b), c), 1 / 3), lift);
      if (inCell(hollow)) sites.push(hollow);
    }
  }
  return sites;
}

/** Distance (Å) between the projections of two atoms onto the surface plane, the nearest periodic copy in the plane. */
function inPlaneDistance(plane: [Vec3, Vec3], a: PlaneAtom, b: PlaneAtom): number {
  const d0 = b.inPlane[0] - a.inPlane[0] - Math.round(b.inPlane[0] - a.inPlane[0]);
  const d1 = b.inPlane[1] - a.inPlane[1] - Math.round(b.inPlane[1] - a.inPlane[1]);
  let best = Infinity;
  for (let p = -1; p <= 1; p++)
    for (let q = -1; q <= 1; q++) best = Math.min(best, norm(add(scale(plane[0], d0 + p), scale(plane[1], d1 + q))));
  return best;
}

/** Whether every angle of the triangle (Cartesian corners) is below 90°, pymatgen's test for a hollow site. */
function acute(corners: Vec3[]): boolean {
  for (let k = 0; k < 3; k++) {
    const u = sub(corners[(k + 1) % 3], corners[k]);
    const v = sub(corners[(k + 2) % 3], corners[k]);
    if (dot(u, v) / (norm(u) * norm(v)) < ACUTE_COSINE) return false;
  }
  return true;
}

/**
 * On-top sites (Cartesian, Å) outward from a rod's axis or a molecule's centre, on the exposed
 * atoms: each atom of the primitive cell once, carried into the input cell and unwrapped across
 * the vacuum so that the rod or molecule is in one piece (its centroid is then its centre).
 */
function outwardSites(matrix: Mat3, analysis: SymmetryAnalysis, env: HostEnvironment, host: LowDimensionalHost): Vec3[] {
  const atoms = env.structure.fracCoords.map((y) => {
    const frac = toInputFrac(analysis, y);
    for (const region of host.regions) {
      const base = wrap01(region.end);
      // Atoms on the starting plane may sit a hair below it: the tolerance keeps them at the start, not the end.
      frac[region.axis] = base + frac[region.axis] - base - Math.floor(frac[region.axis] - base + 1e-6);
    }
    return vecmat(frac, matrix);
  });
  const centre = scale(
    atoms.reduce((s, a) => add(s, a), [0, 0, 0] as Vec3),
    1 / atoms.length,
  );
  const axis = host.periodicAxes.length === 1 ? scale(matrix[host.periodicAxes[0]], 1 / norm(matrix[host.periodicAxes[0]])) : null;
  const sites: Vec3[] = [];
  for (const atom of atoms) {
    let r = sub(atom, centre);
    if (axis) r = sub(r, scale(axis, dot(r, axis)));
    const length = norm(r);
    if (length < 1e-3) continue;
    const site = add(atom, scale(r, ADSORPTION_HEIGHT / length));
    // Exposed: the atom it sits on is (one of) the nearest; an atom of an inner shell has outer atoms in the way.
    if (env.nearestDistance(env.toFrac(site)) >= ADSORPTION_HEIGHT - 1e-6) sites.push(site);
  }
  return sites;
}
