import { type Vec3, cross, dot, norm, scale, sub } from '../base/linalg.ts';
import { volume } from '../base/lattice.ts';
import type { Structure } from '../base/structure.ts';
import { applyOperation } from '../symmetry/orbit.ts';
import type { SymmetryOperation } from '../symmetry/types.ts';
import { HostEnvironment } from './environment.ts';
import { PeriodicPointSet } from './point-set.ts';

/** A vertex of the host’s periodic Voronoi tessellation: a point equidistant from four or more atoms, with none closer. */
export interface VoronoiVertex {
  /** Fractional coordinates in the input cell, wrapped into [0, 1). */
  fracCoords: Vec3;
  /** Distance to the nearest host atom (the radius of the empty sphere centred here), Å. */
  radius: number;
}

type Polygon = Vec3[];

/** Points closer than this to a cutting plane count as lying on it, which keeps cospherical (cubic) cases clean. */
const PLANE_EPS = 1e-7;
/** Vertices from different atoms' cells closer than this are the same tessellation vertex. */
const MERGE_TOL = 1e-3;

/**
 * Vertices of the periodic Voronoi tessellation of a structure, each once.
 *
 * Each atom's cell is a convex polyhedron: start from a cube around the atom and clip it by the
 * bisector plane of every neighbouring atom image, nearest first. Once the next neighbour is farther
 * than twice the cell's farthest vertex, no further plane can cut it (the security radius), so the
 * cell is exact. If the neighbour list runs out first, the search radius is doubled and the cell
 * rebuilt. This takes in every periodic image that can matter, however few atoms the cell holds
 * and however skewed or elongated it is, which fixed shells of ±1 (±2 for small cells) images
 * only approximate.
 *
 * With `symmetry` (the structure's space group in its own fractional frame, and per site the index
 * of the first site of its orbit, as analysis.primitive gives them for the idealized cell), only
 * the first atom a of each orbit has its cell built: the cell of g·a is g applied to a's cell, so
 * each other atom of the orbit gets a's vertices moved by one operation carrying a onto it. The
 * structure must be exactly symmetric (ideal.ts), which makes the images agree with the cells built
 * one by one; an atom no operation reaches (it cannot happen then) gets its own cell.
 */
export function voronoiVertices(
  structure: Structure,
  env: HostEnvironment = new HostEnvironment(structure),
  symmetry?: { operations: SymmetryOperation[]; orbits: number[] },
): VoronoiVertex[] {
  const n = structure.fracCoords.length;
  const vertices = new PeriodicPointSet<{ radius: number }>(env.matrix, MERGE_TOL);
  const typical = Math.cbrt(volume(structure.lattice) / Math.max(1, n));
  const add = (frac: Vec3, radius: number) => {
    const { item, added } = vertices.add(frac, { radius });
    if (!added && radius < item.value.radius) item.value.radius = radius;
  };
  const cellOf = (atom: number) => {
    const centreFrac = structure.fracCoords[atom];
    const centre = env.toCart(centreFrac);
    return atomCellVertices(env, centreFrac, 2 * typical).map((v) => ({ frac: env.toFrac([centre[0] + v[0], centre[1] + v[1], centre[2] + v[2]]), radius: norm(v) }));
  };
  for (let atom = 0; atom < n; atom++) {
    if (!symmetry) {
      for (const v of cellOf(atom)) add(v.frac, v.radius);
      continue;
    }
    if (symmetry.orbits[atom] !== atom) continue;
    const cell = cellOf(atom);
    const a = structure.fracCoords[atom];
    for (let b = 0; b < n; b++) {
      if (symmetry.orbits[b] !== atom) continue;
      // One operation carrying the orbit's first atom onto b carries its cell onto b's.
      const op = b === atom ? null : symmetry.operations.find((g) => sameSite(applyOperation(g, a), structure.fracCoords[b]));
      if (b === atom) for (const v of cell) add(v.frac, v.radius);
      else if (op) for (const v of cell) add(applyOperation(op, v.frac), v.radius);
      else for (const v of cellOf(b)) add(v.frac, v.radius);
    }
  }
  return vertices.items.map((item) => ({ fracCoords: item.frac, radius: item.value.radius }));
}

/** Whether two fractional points are the same site modulo lattice translations (to 1e-6 in each coordinate). */
function sameSite(p: Vec3, q: Vec3): boolean {
  for (let i = 0; i < 3; i++) {
    const d = p[i] - q[i];
    if (Math.abs(d - Math.round(d)) > 1e-6) return false;
  }
  return true;
}

/** Vertices of one atom's Voronoi cell, relative to the atom. */
function atomCellVertices(env: HostEnvironment, at: Vec3, initialRadius: number): Vec3[] {
  let radius = initialRadius;
  for (;;) {
    const centre = env.toCart(at);
    const neighbours = env.within(at, radius, { excludeSelf: true });
    let faces = cube(radius);
    let reach = radius * Math.sqrt(3);
    let complete = false;
    for (const nb of neighbours) {
      if (nb.distance / 2 > reach + PLANE_EPS) {
        complete = true;
        break;
      }
      const normal = scale(sub(nb.cart, centre), 1 / nb.distance);
      const clipped = clip(faces, normal, nb.distance / 2);
      if (clipped) {
        faces = clipped;
        reach = farthest(faces);
      }
    }
    // Every neighbour within `radius` was applied; that suffices when no vertex reaches past radius / 2.
    if (complete || 2 * reach <= radius) return uniquePoints(faces);
    radius = Math.max(2 * radius, 2 * reach * 1.05);
  }
}

/** The six faces of a cube of half-width h centred on the origin. */
function cube(h: number): Polygon[] {
  const corner = (x: number, y: number, z: number): Vec3 => [x * h, y * h, z * h];
  return [
    [corner(1, -1, -1), corner(1, 1, -1), corner(1, 1, 1), corner(1, -1, 1)],
    [corner(-1, -1, -1), corner(-1, -1, 1), corner(-1, 1, 1), corner(-1, 1, -1)],
    [corner(-1, 1, -1), corner(-1, 1, 1), corner(1, 1, 1), corner(1, 1, -1)],
    [corner(-1, -1, -1), corner(1, -1, -1), corner(1, -1, 1), corner(-1, -1, 1)],
    [corner(-1, -1, 1), corner(1, -1, 1), corner(1, 1, 1), corner(-1, 1, 1)],
    [corner(-1, -1, -1), corner(-1, 1, -1), corner(1, 1, -1), corner(1, -1, -1)],
  ];
}

function farthest(faces: Polygon[]): number {
  let best = 0;
  for (const f of faces) for (const p of f) best = Math.max(best, norm(p));
  return best;
}

/**
 * Keeps the half-space normal·x <= offset of a convex polyhedron given by its faces. Returns null
 * when the plane does not cut it. The new face is the polygon of points on the plane, ordered by angle.
 */
function clip(faces: Polygon[], normal: Vec3, offset: number): Polygon[] | null {
  let outside = false;
  for (const f of faces) {
    for (const p of f)
      if (dot(normal, p) - offset > PLANE_EPS) {
        outside = true;
        break;
      }
    if (outside) break;
  }
  if (!outside) return null;

  const result: Polygon[] = [];
  const onPlane: Vec3[] = [];
  for (const face of faces) {
    const out: Vec3[] = [];
    const m = face.length;
    for (let i = 0; i < m; i++) {
      const p = face[i];
      const q = face[(i + 1) % m];
      const sp = dot(normal, p) - offset;
      const sq = dot(normal, q) - offset;
      if (sp <= PLANE_EPS) {
        out.push(p);
        if (sp >= -PLANE_EPS) onPlane.push(p);
      }
      // A strict crossing creates a new vertex on the plane.
      if ((sp < -PLANE_EPS && sq > PLANE_EPS) || (sp > PLANE_EPS && sq < -PLANE_EPS)) {
        const t = sp / (sp - sq);
        const x: Vec3 = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), p[2] + t * (q[2] - p[2])];
        out.push(x);
        onPlane.push(x);
      }
    }
    if (out.length >= 3) result.push(out);
  }
  const cap = orderOnPlane(uniquePointsOf(onPlane), normal);
  if (cap.length >= 3) result.push(cap);
  return result;
}

function orderOnPlane(points: Vec3[], normal: Vec3): Vec3[] {
  if (points.length < 3) return points;
  const c: Vec3 = [0, 0, 0];
  for (const p of points) for (let i = 0; i < 3; i++) c[i] += p[i] / points.length;
  // Any in-plane axis will do: take the one least aligned with the normal.
  const axis: Vec3 = Math.abs(normal[0]) < 0.6 ? [1, 0, 0] : Math.abs(normal[1]) < 0.6 ? [0, 1, 0] : [0, 0, 1];
  const u = cross(normal, axis);
  const un = norm(u);
  const e1: Vec3 = [u[0] / un, u[1] / un, u[2] / un];
  const e2 = cross(normal, e1);
  return points
    .map((p) => {
      const d = sub(p, c);
      return { p, angle: Math.atan2(dot(d, e2), dot(d, e1)) };
    })
    .sort((a, b) => a.angle - b.angle)
    .map((x) => x.p);
}

function uniquePoints(faces: Polygon[]): Vec3[] {
  return uniquePointsOf(faces.flat());
}

function uniquePointsOf(points: Vec3[]): Vec3[] {
  const out: Vec3[] = [];
  for (const p of points) {
    let dup = false;
    for (const q of out)
      if (Math.abs(p[0] - q[0]) < 1e-6 && Math.abs(p[1] - q[1]) < 1e-6 && Math.abs(p[2] - q[2]) < 1e-6) {
        dup = true;
        break;
      }
    if (!dup) out.push(p);
  }
  return out;
}
