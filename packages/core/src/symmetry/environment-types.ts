import { volume } from '../base/lattice.ts';
import { PeriodicGrid } from '../base/periodic-grid.ts';
import type { Structure } from '../base/structure.ts';

/** Cells with at least this many sites (after folding) get environment types for moyo's search. */
export const REFINE_FROM = 64;

/**
 * Site types refined by each site's first neighbour shell: the number of atoms of each type within
 * a radius R that lies in a gap of the interatomic distances (no distance within 2·tol + 0.01 Å of
 * R, so noise within the tolerance cannot move an atom across it). A symmetry operation carries a
 * site's shell onto its image's, so the refined types have exactly the space group of the original
 * ones, and symmetry-equivalent sites keep equal types.
 *
 * What it buys is speed on large cells without pure translations: in a 1,000-atom supercell with a
 * vacancy every atom of the species is a candidate origin for the translation search and for
 * moyo's own search (about n²/2 distance checks each, ×48 rotations for moyo), while the refined
 * type of the vacancy's few neighbours is the rarest, and both searches start from it.
 *
 * Returns a function of (types [n], tol in Å) giving the refined types, or `types` itself when the
 * distances leave no such gap; the neighbour shells are found once, on the first call.
 */
export function environmentTyper(structure: Structure): (types: number[], tol: number) => number[] {
  let neighbours: { site: number; distance: number }[][] | null = null;
  let sorted: Float64Array | null = null;
  return (types, tol) => {
    if (!neighbours) {
      const n = types.length;
      const reach = 1.6 * Math.cbrt(volume(structure.lattice) / n);
      const grid = new PeriodicGrid(structure.lattice.matrix, reach, structure.fracCoords);
      neighbours = structure.fracCoords.map((x, i) => {
        const out: { site: number; distance: number }[] = [];
        grid.forEachWithin(x, (j, d2) => {
          if (j !== i) out.push({ site: j, distance: Math.sqrt(d2) });
        });
        return out;
      });
      sorted = Float64Array.from(neighbours.flatMap((list) => list.map((b) => b.distance))).sort();
    }
    const radius = gapRadius(sorted!, 2 * tol + 0.01);
    if (radius === null) return types;
    const ids = new Map<string, number>();
    return neighbours.map((list, i) => {
      const counts = new Map<number, number>();
      for (const b of list) if (b.distance < radius) counts.set(types[b.site], (counts.get(types[b.site]) ?? 0) + 1);
      const key = `${types[i]}|${[...counts].sort((a, b) => a[0] - b[0]).map(([t, c]) => `${t}:${c}`).join(',')}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(key, id);
      }
      return id;
    });
  };
}

/** The middle of the first gap wider than 2·margin in the sorted distances, after the shortest one; null if none. */
function gapRadius(sorted: Float64Array, margin: number): number | null {
  for (let i = 0; i + 1 < sorted.length; i++) {
    if (sorted[i + 1] - sorted[i] > 2 * margin) return (sorted[i] + sorted[i + 1]) / 2;
  }
  return null;
}
