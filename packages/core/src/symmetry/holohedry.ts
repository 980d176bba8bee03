import type { Lattice } from '../base/lattice.ts';
import { type Mat3, type Vec3, det } from '../base/linalg.ts';
import { lllReduce } from '../base/reduction.ts';

/**
 * An upper bound on the order of a lattice's point group (its holohedry) as moyo would find it at
 * `tolerance` Å: the number of integer unimodular matrices that carry the reduced basis onto
 * lattice vectors of the same lengths and angles, with moyo's own criterion (`search_bravais_group`
 * in moyo/src/search/primitive_symmetry_search.rs: each length within the tolerance, each angle
 * change θ with sin²θ·|u|·|v| < tolerance², spglib's default angle tolerance).
 *
 * This does not find a space group (moyo does); it only says when asking moyo again cannot give
 * more: every space group of the crystal, at any tolerance up to this one, has a point group inside
 * this set, so a group whose point group is already this large cannot grow. The bound runs on our
 * LLL basis where moyo runs on its Minkowski basis, so the candidate images take coefficients up to
 * ±2 (moyo's ±1 is exact only for a Minkowski basis), and callers pass a tolerance above moyo's:
 * both only enlarge the set, which keeps the bound a bound. A few hundred candidate triples at most;
 * the count stops at `stopAbove` + 1 (all a caller asking "more than this?" needs).
 */
export function holohedryBound(lattice: Lattice, tolerance: number, stopAbove = Infinity): number {
  const basis = lllReduce(lattice.matrix).basis;
  const lengths = basis.map(length);
  const images: { n: Vec3; v: Vec3; length: number }[][] = [[], [], []];
  for (let a = -2; a <= 2; a++)
    for (let b = -2; b <= 2; b++)
      for (let c = -2; c <= 2; c++) {
        if (a === 0 && b === 0 && c === 0) continue;
        const v: Vec3 = [0, 1, 2].map((k) => a * basis[0][k] + b * basis[1][k] + c * basis[2][k]) as Vec3;
        const l = length(v);
        lengths.forEach((target, i) => {
          if (Math.abs(l - target) < tolerance) images[i].push({ n: [a, b, c], v, length: l });
        });
      }
  const fits = (i: number, j: number, u: { v: Vec3; length: number }, w: { v: Vec3; length: number }) => {
    const before = angle(basis[i], basis[j], lengths[i], lengths[j]);
    const after = angle(u.v, w.v, u.length, w.length);
    const s = Math.sin(after - before);
    return s * s * ((lengths[i] + u.length) / 2) * ((lengths[j] + w.length) / 2) < tolerance * tolerance;
  };
  let count = 0;
  for (const u of images[0])
    for (const w of images[1]) {
      if (!fits(0, 1, u, w)) continue;
      for (const x of images[2]) {
        if (Math.abs(Math.abs(det([u.n, w.n, x.n] as Mat3)) - 1) > 1e-9) continue;
        if (fits(1, 2, w, x) && fits(2, 0, x, u) && ++count > stopAbove) return count;
      }
    }
  return count;
}

function length(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

function angle(u: Vec3, v: Vec3, lu: number, lv: number): number {
  const c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (lu * lv);
  return Math.acos(Math.max(-1, Math.min(1, c)));
}
