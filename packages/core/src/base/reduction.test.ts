import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Mat3, det, matmul } from './linalg.ts';
import { lllReduce, minImageDistance, shortestVectorLength, shortestVectorLength2D } from './reduction.ts';

/** Shortest vector by brute force over a box of coefficients large enough for these small skews. */
function bruteForceShortest(basis: Mat3, range: number): number {
  let best = Infinity;
  for (let i = -range; i <= range; i++)
    for (let j = -range; j <= range; j++)
      for (let k = -range; k <= range; k++) {
        if (i === 0 && j === 0 && k === 0) continue;
        const v = [0, 1, 2].map((c) => i * basis[0][c] + j * basis[1][c] + k * basis[2][c]);
        best = Math.min(best, Math.hypot(...v));
      }
  return best;
}

describe('shortest lattice vector', () => {
  it('is the nearest-neighbour distance a/√2 for an FCC primitive cell', () => {
    const h = 6.5407 / 2;
    expect(minImageDistance({ matrix: [[0, h, h], [h, 0, h], [h, h, 0]] })).toBeCloseTo(6.5407 / Math.SQRT2, 12);
  });

  it('sees through a badly skewed basis of the simple cubic lattice', () => {
    // rows (1,0,0), (7,1,0), (-12,5,1) in units of a: still the cubic lattice, shortest vector a
    const a = 4.2;
    const skewed: Mat3 = [[a, 0, 0], [7 * a, a, 0], [-12 * a, 5 * a, a]];
    expect(minImageDistance({ matrix: skewed })).toBeCloseTo(a, 9);
  });

  it('agrees with brute force on random skewed lattices', () => {
    const row = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(
        fc.tuple(fc.double({ min: 2, max: 6, noNaN: true }), fc.double({ min: 2, max: 6, noNaN: true }), fc.double({ min: 2, max: 6, noNaN: true })),
        fc.tuple(row, row, row),
        ([x, y, z], m) => {
          const unimodularish = m.map((r, i) => r.map((v, j) => (i === j ? v + 4 * Math.sign(v || 1) : v))) as Mat3;
          if (Math.abs(det(unimodularish)) < 1) return;
          const basis = matmul(unimodularish, [[x, 0, 0], [0.3 * x, y, 0], [0.2 * x, -0.4 * y, z]]);
          expect(shortestVectorLength(basis)).toBeCloseTo(bruteForceShortest(basis, 12), 9);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('reduces with an integer unimodular transform', () => {
    const a = 3;
    const skewed: Mat3 = [[a, 0, 0], [5 * a, a, 0], [2 * a, 3 * a, a]];
    const { basis, transform } = lllReduce(skewed);
    for (const r of transform) for (const v of r) expect(Number.isInteger(v)).toBe(true);
    expect(Math.abs(det(transform))).toBe(1);
    const again = matmul(transform, skewed);
    basis.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(again[i][j], 9)));
  });

  it('finds the shortest vector of a plane lattice', () => {
    // hexagonal plane lattice given by a long basis: shortest vector a
    const a = 3.189;
    const u: [number, number, number] = [a, 0, 0];
    const w: [number, number, number] = [a * (0.5 + 6), (a * Math.sqrt(3)) / 2, 0];
    expect(shortestVectorLength2D(u, w)).toBeCloseTo(a, 9);
  });
});
