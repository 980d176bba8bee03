import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3 } from './linalg.ts';
import { neighborsWithin } from './neighbors.ts';

/** Every image within ±n cells of every atom: slow, and right for cutoffs well under n cells. */
function bruteForce(matrix: Mat3, frac: Vec3[], point: Vec3, cutoff: number, n: number): number[] {
  const out: number[] = [];
  for (const f of frac)
    for (let i = -n; i <= n; i++)
      for (let j = -n; j <= n; j++)
        for (let k = -n; k <= n; k++) {
          const d = [f[0] - point[0] + i, f[1] - point[1] + j, f[2] - point[2] + k];
          const c = [0, 1, 2].map((a) => d[0] * matrix[0][a] + d[1] * matrix[1][a] + d[2] * matrix[2][a]);
          const r = Math.hypot(c[0], c[1], c[2]);
          if (r <= cutoff) out.push(r);
        }
  return out.sort((a, b) => a - b);
}

describe('neighborsWithin', () => {
  it('finds every image within the cutoff, as a search over all nearby cells does, in skewed cells and across sizes', () => {
    const coordinate = fc.double({ min: -1.5, max: 1.5, noNaN: true });
    const point = fc.tuple(coordinate, coordinate, coordinate);
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 12, noNaN: true }),
        fc.double({ min: -0.6, max: 0.6, noNaN: true }),
        fc.double({ min: -0.6, max: 0.6, noNaN: true }),
        fc.array(point, { minLength: 1, maxLength: 8 }),
        point,
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (a, shear1, shear2, atoms, query, relativeCutoff) => {
          const cutoff = relativeCutoff * a;
          const matrix: Mat3 = [[a, 0, 0], [shear1 * a, 0.9 * a, 0], [shear2 * a, -shear1 * a, 1.1 * a]];
          const structure = { lattice: { matrix }, species: atoms.map(() => 'Si'), fracCoords: atoms as Vec3[] };
          const found = neighborsWithin(structure, query as Vec3, cutoff).map((n) => n.distance);
          const expected = bruteForce(matrix, atoms as Vec3[], query as Vec3, cutoff, 8);
          // Images a hair either side of the cutoff may differ by rounding (and the point is wrapped, snapping 1e-10 to 0): compare away from it, to 1e-6 Å.
          const clear = (d: number) => Math.abs(d - cutoff) > 1e-6;
          expect(found.filter(clear).length).toBe(expected.filter(clear).length);
          found.filter(clear).forEach((d, i) => expect(d).toBeCloseTo(expected.filter(clear)[i], 6));
        },
      ),
      { numRuns: 150 },
    );
  });
});
