import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centroidClusters } from './linkage.ts';

/** The distance matrix of points in the plane or in space (Euclidean, no periodicity). */
function matrix(points: number[][]): Float64Array {
  const n = points.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = Math.hypot(...points[i].map((x, k) => x - points[j][k]));
  return d;
}

/**
 * Centroid linkage done the long way: clusters as point sets, their centroids recomputed from the
 * points, the closest pair merged while it is at most `tol` apart. Independent of the
 * Lance–Williams update the code uses, which must give the same clusters.
 */
function naive(points: number[][], tol: number): number[][] {
  let clusters = points.map((_, i) => [i]);
  const centroid = (c: number[]) => points[0].map((_, k) => c.reduce((s, i) => s + points[i][k], 0) / c.length);
  for (;;) {
    let best: [number, number, number] | null = null;
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++) {
        const ca = centroid(clusters[a]);
        const cb = centroid(clusters[b]);
        const d = Math.hypot(...ca.map((x, k) => x - cb[k]));
        if (!best || d < best[2]) best = [a, b, d];
      }
    if (!best || best[2] > tol) break;
    const [a, b] = best;
    clusters = [...clusters.filter((_, k) => k !== a && k !== b), [...clusters[a], ...clusters[b]].sort((x, y) => x - y)];
  }
  return clusters.sort((x, y) => x[0] - y[0]);
}

describe('centroidClusters (scipy linkage "centroid", fcluster "distance")', () => {
  it('does not chain: 0, 0.7 and 1.4 Å on a line at 0.8 Å make two clusters, the tie going to the first pair', () => {
    // Single linkage would merge all three; the centroid of the first two is 1.05 Å from the third.
    expect(centroidClusters(3, matrix([[0], [0.7], [1.4]]), 0.8)).toEqual([[0, 1], [2]]);
  });

  it('lets a merged cluster’s centroid reach a point neither member reached', () => {
    // a and c are 0.7 Å apart, b 0.83 Å from both: a and c merge, and their centroid is 0.75 Å from b.
    const points = [[0, 0], [0.35, 0.75], [0.7, 0]];
    expect(centroidClusters(3, matrix(points), 0.78)).toEqual([[0, 1, 2]]);
    expect(centroidClusters(3, matrix(points), 0.74)).toEqual([[0, 2], [1]]);
  });

  it('cuts at the tolerance inclusively, and at 0 merges only coincident points', () => {
    expect(centroidClusters(2, matrix([[0], [0.5]]), 0.5)).toEqual([[0, 1]]);
    expect(centroidClusters(3, matrix([[0], [0], [0.1]]), 0)).toEqual([[0, 1], [2]]);
  });

  it('never merges points the caller forbids, nor clusters holding them', () => {
    // 0 and 2 may not share a cluster: 1 joins 0 (the nearer), and 2 stays alone although 1 is 0.3 Å from it.
    expect(centroidClusters(3, matrix([[0], [0.25], [0.55]]), 0.8, [0, -1, 1])).toEqual([[0, 1], [2]]);
    // The same label never blocks.
    expect(centroidClusters(3, matrix([[0], [0.25], [0.55]]), 0.8, [0, -1, 0])).toEqual([[0, 1, 2]]);
  });

  it('agrees with centroids recomputed from the points, on random points in space', () => {
    const point = fc.tuple(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }));
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 25 }), fc.double({ min: 0.1, max: 1.5, noNaN: true }), (points, tol) => {
        expect(centroidClusters(points.length, matrix(points), tol)).toEqual(naive(points, tol));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
