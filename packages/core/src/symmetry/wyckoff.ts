import type { Lattice } from '../base/lattice.ts';
import { type Vec3, vecmat, wrap01 } from '../base/linalg.ts';
import { foldedDifference } from './orbit.ts';
import type { WyckoffPosition } from './types.ts';

/** One coordinate of a Wyckoff triplet: coefficients of x, y, z plus a constant. */
interface AffineCoordinate {
  coefficients: Vec3;
  constant: number;
}

const VARIABLE_INDEX = { x: 0, y: 1, z: 2 } as const;
const cache = new Map<string, AffineCoordinate[]>();

/** Parses a triplet such as 'x,2x,1/4', '-x+1/2,x,z' or '3/4,3/4,3/4'. */
export function parseTriplet(text: string): AffineCoordinate[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const parts = text.split(',').map((s) => s.replace(/\s+/g, ''));
  if (parts.length !== 3) throw new RangeError(`Wyckoff triplet '${text}' does not have three coordinates`);
  const parsed = parts.map((part) => {
    const coordinate: AffineCoordinate = { coefficients: [0, 0, 0], constant: 0 };
    const terms = part.match(/[+-]?[^+-]+/g) ?? [];
    for (const term of terms) {
      const m = /^([+-]?)(\d+(?:\/\d+)?)?([xyz])?$/.exec(term);
      if (!m || (m[2] === undefined && m[3] === undefined)) {
        throw new RangeError(`cannot read term '${term}' of Wyckoff triplet '${text}'`);
      }
      const sign = m[1] === '-' ? -1 : 1;
      const [num, den] = (m[2] ?? '1').split('/').map(Number);
      const value = sign * (den === undefined ? num : num / den);
      if (m[3] !== undefined) coordinate.coefficients[VARIABLE_INDEX[m[3] as 'x' | 'y' | 'z']] += value;
      else coordinate.constant += value;
    }
    return coordinate;
  });
  cache.set(text, parsed);
  return parsed;
}

export function hasFreeParameter(position: WyckoffPosition): boolean {
  return /[xyz]/.test(position.coordinates);
}

/**
 * The point of `position`'s representative triplet nearest to `point`, if within `tol` Å, wrapped
 * into [0, 1); else null. In every triplet of the tables x only appears alone as the first
 * coordinate, y as the second and z as the third whenever they appear at all ('x,2x,z',
 * '1/2,y,-y'), so the free parameters are read off the point's own coordinates and the other
 * coordinates are then checked against them.
 */
export function matchRepresentative(position: WyckoffPosition, lattice: Lattice, point: Vec3, tol: number): Vec3 | null {
  const triplet = parseTriplet(position.coordinates);
  const ideal = triplet.map(
    (c) => c.coefficients[0] * point[0] + c.coefficients[1] * point[1] + c.coefficients[2] * point[2] + c.constant,
  ) as Vec3;
  const d = vecmat(foldedDifference(ideal, point), lattice.matrix);
  if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > tol * tol) return null;
  return ideal.map((v) => cleanCoordinate(v)) as Vec3;
}

/**
 * Wrapped into [0, 1), snapped to k/48 (halves, thirds, quarters, sixths, eighths…) when within
 * floating-point dust of it, else rounded to 12 decimals, so the same point reached through
 * different operations prints the same.
 */
export function cleanCoordinate(v: number): number {
  const w = wrap01(v, 1e-9);
  const snapped = Math.round(w * 48) / 48;
  const r = Math.abs(snapped - w) < 1e-9 ? snapped : Math.round(w * 1e12) / 1e12;
  return r >= 1 ? 0 : r;
}

/** Lexicographic order on coordinates, equal within 1e-6. */
export function compareCoordinates(a: Vec3, b: Vec3): number {
  for (let i = 0; i < 3; i++) {
    if (Math.abs(a[i] - b[i]) > 1e-6) return a[i] - b[i];
  }
  return 0;
}

/**
 * The representative of an orbit (given in the conventional cell) for a Wyckoff position: among
 * the orbit's points that fit the tables' first triplet, the smallest in lexicographic order.
 * For positions without free parameters this is exactly the tables' point (4c → 1/4,1/4,1/4);
 * for 'x,x,x' in F-43m only one point of each orbit lies on the diagonal (16e → 0.625,0.625,0.625).
 */
export function orbitRepresentative(position: WyckoffPosition, lattice: Lattice, orbit: Vec3[], tol: number): Vec3 | null {
  let best: Vec3 | null = null;
  for (const p of orbit) {
    const m = matchRepresentative(position, lattice, p, tol);
    if (m && (best === null || compareCoordinates(m, best) < 0)) best = m;
  }
  return best;
}

/**
 * The Wyckoff position of an orbit given in the conventional cell, and the orbit's representative:
 * the position of the orbit's multiplicity whose tables' triplet some orbit point fits.
 */
export function identifyPosition(
  positions: WyckoffPosition[],
  lattice: Lattice,
  orbit: Vec3[],
  tol: number,
): { position: WyckoffPosition; representative: Vec3 } {
  const sameSize = positions.filter((w) => w.multiplicity === orbit.length);
  for (const position of sameSize) {
    const representative = orbitRepresentative(position, lattice, orbit, tol);
    if (representative) return { position, representative };
  }
  // Tolerance effects (a point just outside symprec of a special position) can leave no exact fit;
  // the position that fits best is then the honest answer.
  let best: { position: WyckoffPosition; representative: Vec3; residual: number } | null = null;
  for (const position of sameSize.length > 0 ? sameSize : positions) {
    for (const p of orbit) {
      const ideal = matchRepresentative(position, lattice, p, Infinity) as Vec3;
      const c = vecmat(foldedDifference(ideal, p), lattice.matrix);
      const residual = Math.hypot(c[0], c[1], c[2]);
      if (
        best === null ||
        residual < best.residual - 1e-9 ||
        (residual < best.residual + 1e-9 && compareCoordinates(ideal, best.representative) < 0)
      ) {
        best = { position, representative: ideal, residual };
      }
    }
  }
  return { position: best!.position, representative: best!.representative };
}
