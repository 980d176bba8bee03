import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodicDistance } from './lattice.ts';
import type { Mat3, Vec3 } from './linalg.ts';
import { PeriodicGrid } from './periodic-grid.ts';

describe('PeriodicGrid', () => {
  it('finds the nearest point of a kind within tol exactly as a brute-force search does, at bucket edges too', () => {
    const matrix: Mat3 = [[7.1, 0, 0], [1.3, 6.4, 0], [-0.8, 0.9, 9.2]];
    const point = fc.tuple(fc.double({ min: -0.2, max: 1.2, noNaN: true }), fc.double({ min: -0.2, max: 1.2, noNaN: true }), fc.double({ min: -0.2, max: 1.2, noNaN: true }));
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 60 }), fc.array(point, { minLength: 1, maxLength: 20 }), fc.double({ min: 0.05, max: 1.5, noNaN: true }), (stored, queries, tol) => {
        const kinds = stored.map((_, i) => i % 2);
        const grid = new PeriodicGrid(matrix, tol, stored as Vec3[], kinds);
        const lattice = { matrix };
        for (const q of queries as Vec3[]) {
          for (const kind of [0, 1]) {
            let best = -1;
            let bestD = Infinity;
            stored.forEach((p, i) => {
              const d = periodicDistance(lattice, p as Vec3, q);
              if (kinds[i] === kind && d <= tol && d < bestD) {
                bestD = d;
                best = i;
              }
            });
            const found = grid.nearest(q, kind);
            if (best < 0) expect(found).toBe(-1);
            else expect(periodicDistance(lattice, stored[found] as Vec3, q)).toBeCloseTo(bestD, 9);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
