import { type Mat3, type Vec3, add, dot, inverse, norm, scale, sub, transpose, vecmat, wrap01 } from '../base/linalg.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import type { HostEnvironment } from './environment.ts';
import type { VacuumRegion } from './vacuum.ts';

/** A slab's primitive cell laid out for surface work: its in-plane lattice, its normal and its atoms in one piece. */
export interface SlabCell {
  /** Unit normal (Cartesian), pointing from the slab's bottom surface to its top one. */
  normal: Vec3;
  /** Two primitive lattice vectors spanning the surface plane, Gauss-reduced (short, as near 90° as the lattice allows), Cartesian Å. */
  plane: [Vec3, Vec3];
  /**
   * The primitive cell's atoms (Cartesian, Å), each moved by a lattice vector so that its in-plane
   * coordinates along `plane` are in [0, 1) and the slab lies in one piece just above the vacuum.
   */
  atoms: PlaneAtom[];
}

export interface PlaneAtom {
  cart: Vec3;
  /** Coordinates along plane[0] and plane[1] (in [0, 1)) and height along the normal (Å). */
  inPlane: Vec3;
}

/**
 * The slab's cell in the primitive lattice (analysis.primitive, whose Cartesian frame the input
 * shares), whatever in-plane supercell the input was: the surface work then costs what the
 * primitive cell costs. The vacuum `region` lies along an axis of the input cell (`inputMatrix`,
 * rows a, b, c).
 *
 * The primitive lattice vectors in the surface plane are the integer vectors m with z·m = 0, where
 * z_j counts the lattice planes parallel to the surface that primitive vector j crosses; a
 * unimodular reduction of z (Euclid on its entries) gives two of them and a third vector crossing
 * exactly one plane, which carries each atom across the vacuum into one piece.
 */
export function slabCell(inputMatrix: Mat3, analysis: SymmetryAnalysis, env: HostEnvironment, region: VacuumRegion): SlabCell {
  const k = region.axis;
  const reciprocal = transpose(inverse(inputMatrix));
  const spacing = 1 / norm(reciprocal[k]);
  const normal = scale(reciprocal[k], spacing);
  // x_input = T·x_primitive: primitive vector j crosses T[k][j] input periods along the normal, a multiple of 1/N.
  const n = analysis.translations.length;
  const crossings = analysis.primitive.transformation[k].map((t) => Math.round(t * n)) as Vec3;
  const { inPlane, across } = planeBasis(crossings);
  const pm = env.matrix;
  const plane = gaussReduce(vecmat(inPlane[0], pm), vecmat(inPlane[1], pm));
  let step = vecmat(across, pm);
  if (dot(step, normal) < 0) step = scale(step, -1);
  const period = dot(step, normal);

  const toPlane = inverse([plane[0], plane[1], normal]);
  const floor = wrap01(region.end) * spacing;
  const atoms = env.structure.fracCoords.map((y): PlaneAtom => {
    let cart = vecmat(y, pm);
    // Atoms on the starting plane may sit a hair below it: the tolerance keeps them at the bottom, not the top.
    cart = sub(cart, scale(step, Math.floor((dot(cart, normal) - floor + 1e-6) / period)));
    const f = vecmat(cart, toPlane);
    cart = sub(cart, add(scale(plane[0], Math.floor(f[0] + 1e-9)), scale(plane[1], Math.floor(f[1] + 1e-9))));
    const g = vecmat(cart, toPlane);
    return { cart, inPlane: [g[0], g[1], dot(cart, normal)] };
  });
  return { normal, plane, atoms };
}

/**
 * For an integer vector z (not all zero): two integer vectors spanning {m : z·m = 0} and a third
 * with z·m = ±gcd(z), together a basis of Z³. Column operations of Euclid's algorithm on z, applied
 * to the identity, keep the columns a basis until z has a single non-zero entry.
 */
export function planeBasis(z: Vec3): { inPlane: [Vec3, Vec3]; across: Vec3 } {
  const v = [...z];
  const cols: Vec3[] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (;;) {
    const nonzero = [0, 1, 2].filter((i) => v[i] !== 0);
    if (nonzero.length === 0) throw new Error('planeBasis: the zero vector has no plane');
    if (nonzero.length === 1) {
      const p = nonzero[0];
      const rest = [0, 1, 2].filter((i) => i !== p);
      return { inPlane: [cols[rest[0]], cols[rest[1]]], across: cols[p] };
    }
    const p = nonzero.reduce((best, i) => (Math.abs(v[i]) < Math.abs(v[best]) ? i : best));
    for (const j of nonzero) {
      if (j === p) continue;
      const q = Math.trunc(v[j] / v[p]);
      v[j] -= q * v[p];
      cols[j] = sub(cols[j], scale(cols[p], q));
    }
  }
}

/** Lagrange–Gauss reduction of a 2D lattice basis (Cartesian vectors): the shortest vector, then the shortest independent one. */
export function gaussReduce(a: Vec3, b: Vec3): [Vec3, Vec3] {
  let u = a;
  let v = b;
  if (norm(v) < norm(u)) [u, v] = [v, u];
  for (;;) {
    const q = Math.round(dot(u, v) / dot(u, u));
    v = sub(v, scale(u, q));
    if (norm(v) >= norm(u) - 1e-9) return [u, v];
    [u, v] = [v, u];
  }
}
