/**
 * Distances closer than this (Å) are a tie. Symmetry-equivalent pairs differ only by rounding
 * noise; a tie goes to the pair of smaller indices, so the result depends on the order of the
 * points as given and on nothing else.
 */
const TIE = 1e-9;

/**
 * Flat clusters of `n` points by centroid linkage, cut at `tol` Å: what doped's
 * `_doped_cluster_frac_coords` gets from scipy's `linkage(method="centroid")` followed by
 * `fcluster(t=tol, criterion="distance")` (doped/utils/symmetry.py, `cluster_coords`).
 *
 * - `distances`: the n×n matrix of point-to-point distances (Å), row-major, symmetric (doped:
 *   the periodic minimum-image distances of the fractional coordinates).
 * - `exclusive[i]`: a label ≥ 0, or −1 (the default) for none: points of different labels never
 *   share a cluster, so neither do clusters holding them (our exception for fixed-coordinate
 *   Wyckoff positions of different letters, see cluster.ts). doped has no such constraint.
 *
 * Agglomeration merges the two closest clusters, the distance from the merged cluster to a third
 * following Lance–Williams' centroid update (as scipy's `_centroid`). `fcluster` keeps the largest
 * subtrees whose every merge is at most `tol` apart: since centroid linkage only ever lowers the
 * distance of a freshly merged cluster, those are exactly the clusters present when the closest
 * pair is first farther than `tol`, so merging stops there. Ties (equal to 1e-9 Å) go to the pair of
 * smaller indices; scipy breaks them by its own traversal order, which follows the order of the
 * Voronoi nodes, itself the order of the host's atoms.
 *
 * Returns the clusters as ascending index lists, ordered by their first index. `distances` is
 * overwritten (it holds the merged clusters' distances afterwards). Cost: O(n²) memory, O(n²) time
 * plus O(n) per merge and per stale nearest neighbour.
 */
export function centroidClusters(n: number, distances: Float64Array, tol: number, exclusive: readonly number[] = []): number[][] {
  const d = distances;
  const size = new Array<number>(n).fill(1);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const active = new Uint8Array(n).fill(1);
  // A cluster's exclusive label: its members' one label, or −1 (they never hold two).
  const label = Int32Array.from({ length: n }, (_, i) => exclusive[i] ?? -1);
  const labelled = label.some((l) => l >= 0);
  const blocked = (i: number, j: number) => labelled && label[i] >= 0 && label[j] >= 0 && label[i] !== label[j];

  const nearest = new Int32Array(n).fill(-1);
  const nearestD = new Float64Array(n).fill(Infinity);
  const rescan = (i: number) => {
    let best = -1;
    let bestD = Infinity;
    const row = i * n;
    for (let j = 0; j < n; j++) {
      if (j === i || !active[j]) continue;
      const x = d[row + j];
      if (x < bestD - TIE && !blocked(i, j)) {
        best = j;
        bestD = x;
      }
    }
    nearest[i] = best;
    nearestD[i] = bestD;
  };
  for (let i = 0; i < n; i++) rescan(i);

  for (;;) {
    let a = -1;
    for (let i = 0; i < n; i++) {
      if (!active[i] || nearest[i] < 0) continue;
      if (a < 0 || nearestD[i] < nearestD[a] - TIE) a = i;
    }
    if (a < 0 || nearestD[a] > tol + TIE) break;
    const b = nearest[a];
    const [i, j] = a < b ? [a, b] : [b, a];
    const dij = d[i * n + j];
    const si = size[i];
    const sj = size[j];
    active[j] = 0;
    members[i] = [...members[i], ...members[j]].sort((x, y) => x - y);
    size[i] = si + sj;
    if (label[i] < 0) label[i] = label[j];
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === i) continue;
      const dik = d[i * n + k];
      const djk = d[j * n + k];
      const merged = Math.sqrt(Math.max(0, (si * dik * dik + sj * djk * djk - (si * sj * dij * dij) / (si + sj)) / (si + sj)));
      d[i * n + k] = merged;
      d[k * n + i] = merged;
    }
    rescan(i);
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === i) continue;
      const x = d[k * n + i];
      if (nearest[k] === i || nearest[k] === j) rescan(k);
      else if (!blocked(k, i) && (x < nearestD[k] - TIE || (x <= nearestD[k] + TIE && i < nearest[k]))) {
        nearest[k] = i;
        nearestD[k] = x;
      }
    }
  }
  const out: number[][] = [];
  for (let i = 0; i < n; i++) if (active[i]) out.push(members[i]);
  return out;
}
