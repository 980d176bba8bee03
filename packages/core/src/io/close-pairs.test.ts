import { describe, expect, it } from 'vitest';
import { fromParameters, periodicDistance } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import { closePairs } from './close-pairs.ts';

/** A small deterministic generator so the brute-force comparison is reproducible. */
function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe('closePairs', () => {
  it('finds the pair across the cell boundary, at its periodic distance', () => {
    const lattice = fromParameters(4, 4, 4, 90, 90, 90);
    // 0.05 and 0.95 along a are 0.4 Å apart through the boundary.
    expect(closePairs(lattice, [[0.05, 0, 0], [0.95, 0, 0], [0.5, 0.5, 0.5]], 0.5)).toEqual([{ i: 0, j: 1, distance: expect.closeTo(0.4, 12) }]);
  });

  it('reports a point close to its own image when a lattice vector is shorter than the cutoff', () => {
    const lattice = fromParameters(0.3, 5, 5, 90, 90, 90);
    expect(closePairs(lattice, [[0, 0, 0]], 0.5)).toEqual([{ i: 0, j: 0, distance: expect.closeTo(0.3, 12) }]);
  });

  it('agrees with a brute-force periodic search in a skewed cell', () => {
    const lattice = fromParameters(5, 6, 7, 70, 100, 115);
    const rand = lcg(7);
    const points: Vec3[] = Array.from({ length: 120 }, () => [rand(), rand(), rand()]);
    const cutoff = 1.2;
    const expected: string[] = [];
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++) {
        const d = periodicDistance(lattice, points[i], points[j]);
        if (d < cutoff) expected.push(`${i}-${j}:${d.toFixed(9)}`);
      }
    const found = closePairs(lattice, points, cutoff).map((p) => `${p.i}-${p.j}:${p.distance.toFixed(9)}`);
    expect(expected.length).toBeGreaterThan(5);
    expect(found).toEqual(expected);
  });
});
