import { volume } from '../base/lattice.ts';
import { PeriodicGrid } from '../base/periodic-grid.ts';
import type { Structure } from '../base/structure.ts';

/** Below this many sites the searches are fast whatever the types: no refinement. */
const REFINE_FROM = 64;

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
 * Returns `types` itself when the cell is small or its distances leave no such gap.
 */
export function refineTypes(structure: Structure, types: number[], tol: number): number[] {
  const n = types.length;
  if (n < REFINE_FROM) return types;
  const spacing = Math.cbrt(volume(structure.lattice) / n);
  const reach = 1.6 * spacing;
  const grid = new PeriodicGrid(structure.lattice.matrix, reach, structure.fracCoords);
  const neighbours: { site: number; distance: number }[][] = structure.fracCoords.map((x, i) => {
    const out: { site: number; distance: number }[] = [];
    grid.forEachWithin(x, (j, d2) => {
      if (j !== i) out.push({ site: j, distance: Math.sqrt(d2) });
    });
    return out;
  });
  const radius = gapRadius(neighbours.flatMap((list) => list.map((b) => b.distance)), 2 * tol + 0.01);
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
}

/** The middle of the first gap wider than 2·margin in the sorted distances, after the shortest one; null if none. */
function gapRadius(distances: number[], margin: number): number | null {
  const sorted = Float64Array.from(distances).sort();
  for (let i = 0; i + 1 < sorted.length; i++) {
    if (sorted[i + 1] - sorted[i] > 2 * margin) return (sorted[i] + sorted[i + 1]) / 2;
  }
  return null;
}
