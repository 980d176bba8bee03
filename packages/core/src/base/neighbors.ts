import { type Vec3, inverse, wrapVec } from './linalg.ts';
import type { Structure } from './structure.ts';

/** A host atom seen from a point: its element and its distance (Å) from the point. */
export interface Neighbor {
  element: string;
  distance: number;
}

/**
 * Host atoms within `cutoff` Å of a point given in the structure's fractional coordinates, every
 * periodic image counted, nearest first. An atom on the point itself comes first, at distance 0.
 * Shared by bond valence (charges/) and naming and neighbour shells (defects/), so it sits below both.
 */
export function neighborsWithin(structure: Structure, point: Vec3, cutoff: number): Neighbor[] {
  const m = structure.lattice.matrix;
  const inv = inverse(m);
  // A Cartesian vector c has fractional component c·(column k of L⁻¹) along axis k, so an image
  // within `cutoff` is at most reach[k] = cutoff·|column k of L⁻¹| away along it: per atom, only the
  // shifts n with |d_k + n| ≤ reach[k] are looked at (one or two per axis once the cell is larger
  // than the cutoff, so a query costs about the atom count, not 125 images of every atom).
  const reach = [0, 1, 2].map((k) => cutoff * Math.hypot(inv[0][k], inv[1][k], inv[2][k]) + 1e-9);
  const p = wrapVec(point);
  const out: Neighbor[] = [];
  const cutoff2 = cutoff * cutoff;
  structure.fracCoords.forEach((f, idx) => {
    const d0 = f[0] - p[0] - Math.round(f[0] - p[0]);
    const d1 = f[1] - p[1] - Math.round(f[1] - p[1]);
    const d2 = f[2] - p[2] - Math.round(f[2] - p[2]);
    for (let i = Math.ceil(-reach[0] - d0); i <= Math.floor(reach[0] - d0); i++)
      for (let j = Math.ceil(-reach[1] - d1); j <= Math.floor(reach[1] - d1); j++)
        for (let k = Math.ceil(-reach[2] - d2); k <= Math.floor(reach[2] - d2); k++) {
          const a = d0 + i;
          const b = d1 + j;
          const c = d2 + k;
          const x = a * m[0][0] + b * m[1][0] + c * m[2][0];
          const y = a * m[0][1] + b * m[1][1] + c * m[2][1];
          const z = a * m[0][2] + b * m[1][2] + c * m[2][2];
          const r2 = x * x + y * y + z * z;
          if (r2 <= cutoff2) out.push({ element: structure.species[idx], distance: Math.sqrt(r2) });
        }
  });
  return out.sort((a, b) => a.distance - b.distance);
}
