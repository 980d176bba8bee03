import { type Vec3, inverse, vecmat, wrapVec } from './linalg.ts';
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
  // Interplanar spacing d_k = 1/|column k of L⁻¹| bounds how many images along axis k can be in reach.
  const reach = [0, 1, 2].map((k) => Math.ceil(cutoff * Math.hypot(inv[0][k], inv[1][k], inv[2][k])) + 1);
  const p = wrapVec(point);
  const out: Neighbor[] = [];
  structure.fracCoords.forEach((f, idx) => {
    const w = wrapVec(f);
    const d: Vec3 = [w[0] - p[0], w[1] - p[1], w[2] - p[2]];
    for (let i = -reach[0]; i <= reach[0]; i++)
      for (let j = -reach[1]; j <= reach[1]; j++)
        for (let k = -reach[2]; k <= reach[2]; k++) {
          const c = vecmat([d[0] + i, d[1] + j, d[2] + k], m);
          const r = Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
          if (r <= cutoff) out.push({ element: structure.species[idx], distance: r });
        }
  });
  return out.sort((a, b) => a.distance - b.distance);
}
