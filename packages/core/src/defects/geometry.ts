import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, inverse, matmul, norm, vecmat, wrap01 } from '../base/linalg.ts';
import { type Neighbor, neighborsWithin } from '../base/neighbors.ts';
import { formatFixed, roundHalfEven } from '../base/python-number.ts';
import type { Structure } from '../base/structure.ts';
import { PeriodicPointSet } from '../interstitials/point-set.ts';
import type { NeighborShellEntry } from './types.ts';

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f + Math.sign(x) * 1e-9) / f;
};

/** Fractional coordinates wrapped into [0, 1), with values a hair below 1 folded to 0. */
export function wrapFrac(v: Vec3): Vec3 {
  return [wrap01(v[0], 1e-8), wrap01(v[1], 1e-8), wrap01(v[2], 1e-8)];
}

/**
 * Every image, inside the supercell, of the given input-cell points (fractional coordinates of the
 * supercell, wrapped and deduplicated). Works for any supercell of the crystal's lattice, including
 * ones built on the primitive cell of a centred input cell, as long as the points form whole orbits.
 */
export function supercellImages(inputLattice: Lattice, supercellLattice: Lattice, points: Vec3[]): Vec3[] {
  // x_super = x_input · M with M = L_input · S⁻¹; corners of the supercell in input coordinates bound the search.
  const M: Mat3 = matmul(inputLattice.matrix, inverse(supercellLattice.matrix));
  const back: Mat3 = matmul(supercellLattice.matrix, inverse(inputLattice.matrix));
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const c of [0, 1]) for (const d of [0, 1]) for (const e of [0, 1]) {
    const corner = vecmat([c, d, e], back);
    for (let k = 0; k < 3; k++) {
      lo[k] = Math.min(lo[k], corner[k]);
      hi[k] = Math.max(hi[k], corner[k]);
    }
  }
  // Images on the supercell's faces are met twice (once from each side): they are one point when
  // within 1e-5 Å, compared by distance (a rounded-coordinate key splits points on a rounding edge).
  const seen = new PeriodicPointSet<null>(supercellLattice.matrix, 1e-5);
  const out: Vec3[] = [];
  for (const p of points) {
    const q = wrapFrac(p);
    for (let i = Math.floor(lo[0]) - 1; i <= Math.ceil(hi[0]); i++)
      for (let j = Math.floor(lo[1]) - 1; j <= Math.ceil(hi[1]); j++)
        for (let k = Math.floor(lo[2]) - 1; k <= Math.ceil(hi[2]); k++) {
          const s = vecmat([q[0] + i, q[1] + j, q[2] + k], M);
          if (s.some((v) => v < -1e-6 || v >= 1 + 1e-6)) continue;
          const w = wrapFrac(s);
          if (seen.add(w, null).added) out.push(w);
        }
  }
  return out;
}

/**
 * doped's placement rule: of the equivalent positions, the one nearest the supercell's centre in
 * fractional coordinates, ties going to the smaller norm, then the smaller |x|, |y|, |z| (each
 * compared at 4 decimals). Returns the index into `positions`.
 */
export function nearestToCentre(positions: Vec3[]): number {
  const keyOf = (f: Vec3) => [
    round(norm([f[0] - 0.5, f[1] - 0.5, f[2] - 0.5]), 4),
    round(norm(f), 4),
    round(Math.abs(f[0]), 4),
    round(Math.abs(f[1]), 4),
    round(Math.abs(f[2]), 4),
  ];
  let best = 0;
  let bestKey = keyOf(positions[0]);
  for (let i = 1; i < positions.length; i++) {
    const key = keyOf(positions[i]);
    for (let k = 0; k < key.length; k++) {
      if (key[k] < bestKey[k]) {
        best = i;
        bestKey = key;
        break;
      }
      if (key[k] > bestKey[k]) break;
    }
  }
  return best;
}

/** The atom sitting on the point itself (a vacancy's or substitution's own site) is not a neighbour. */
const SELF = 0.02;

/**
 * First coordination shell of a point: host atoms within 1.1 × the nearest distance, grouped by
 * element and distance (to 0.01 Å), nearest first.
 */
export function firstShell(structure: Structure, point: Vec3): NeighborShellEntry[] {
  let cutoff = 4;
  let near: Neighbor[] = [];
  while (cutoff <= 64) {
    near = neighborsWithin(structure, point, cutoff).filter((n) => n.distance > SELF);
    if (near.length > 0 && near[0].distance * 1.1 <= cutoff) break;
    cutoff *= 2;
  }
  if (near.length === 0) return [];
  const limit = near[0].distance * 1.1;
  const groups = new Map<string, NeighborShellEntry>();
  for (const n of near) {
    if (n.distance > limit) break;
    const key = `${n.element}@${round(n.distance, 2)}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { element: n.element, distance: round(n.distance, 3), count: 1 });
  }
  return [...groups.values()].sort((a, b) => a.distance - b.distance || a.element.localeCompare(b.element));
}

/**
 * doped's neighbour list of a point (`get_neighbour_distances_and_symbols` in doped/generation.py):
 * the `n` nearest host atoms as (element, distance), where each listed atom must lie more than
 * 0.02 Å beyond the one before it in the distance-sorted list, or be of another element and more
 * than 0.02 Å beyond every earlier atom of its own element. Atoms are sorted by distance rounded to
 * 0.01 Å as Python rounds (ties to even on the binary value), then by `elementOrder` (elements not
 * in it last), then by symbol; so of two elements at the same rounded distance the one earlier in
 * `elementOrder` is named. An atom within 0.02 Å of the point (the site itself) is skipped. The
 * search radius starts at 3·√n Å and grows by 0.5·√n Å until n atoms qualify, as doped's does
 * (which matters only for atoms straddling the radius); beyond 40·√n Å the list stays short.
 */
export function neighbourShells(structure: Structure, point: Vec3, elementOrder: string[], n: number): Neighbor[] {
  const rank = (el: string) => {
    const i = elementOrder.indexOf(el);
    return i < 0 ? 100 : i;
  };
  let prefactor = 3;
  let kept: Neighbor[] = [];
  while (kept.length < n) {
    const near = neighborsWithin(structure, point, prefactor * Math.sqrt(n));
    prefactor += 0.5;
    if (prefactor > 40) break;
    if (near.length === 0) continue;
    const t = near
      .map((x) => {
        // Floating-point dust first (1e-9 Å): equal distances computed from different but
        // equivalent points (an input supercell, its primitive cell) then round alike, also where
        // they sit on a rounding edge (AgCu's Cu and Ag both at 1.805 Å, named Cu1.80 by doped).
        const distance = Math.round(x.distance * 1e9) / 1e9;
        return { ...x, distance, key: roundHalfEven(distance, 2) };
      })
      .sort((a, b) => a.key - b.key || rank(a.element) - rank(b.element) || (a.element < b.element ? -1 : a.element > b.element ? 1 : 0));
    kept = [];
    for (let i = 0; i < t.length && kept.length < n; i++) {
      // Python's t[i - 1] at i = 0 is the last entry, which never lets the first one through here.
      const previous = t[i === 0 ? t.length - 1 : i - 1];
      let sameElementBefore = 0;
      for (let j = 0; j < i; j++) if (t[j].element === t[i].element) sameElementBefore = Math.max(sameElementBefore, t[j].distance);
      if (
        (i === 0 && t[i].distance > SELF) ||
        t[i].distance - previous.distance > 0.02 ||
        (t[i].element !== previous.element && t[i].distance - sameElementBefore > 0.02)
      ) {
        kept.push({ element: t[i].element, distance: t[i].distance });
      }
    }
  }
  return kept;
}

/**
 * doped's closest-site info of the `n`th neighbour (`closest_site_info`): element and distance
 * printed as Python's `f"{d:.2f}"` ('Te2.83'), or null when there is no `n`th neighbour.
 */
export function closestSiteInfo(structure: Structure, point: Vec3, elementOrder: string[], n: number): string | null {
  const shells = neighbourShells(structure, point, elementOrder, n);
  const nth = shells[n - 1];
  return nth ? `${nth.element}${formatFixed(nth.distance, 2)}` : null;
}
