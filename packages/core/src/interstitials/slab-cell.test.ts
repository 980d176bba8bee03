import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Vec3, det, dot, norm } from '../base/linalg.ts';
import { gaussReduce, planeBasis } from './slab-cell.ts';

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

describe('planeBasis', () => {
  it('gives two integer vectors in the plane z·m = 0 and a third crossing gcd(z) planes, a basis of Z³', () => {
    const entry = fc.integer({ min: -12, max: 12 });
    fc.assert(
      fc.property(fc.tuple(entry, entry, entry).filter((z) => z.some((v) => v !== 0)), (z) => {
        const { inPlane, across } = planeBasis(z as Vec3);
        for (const m of [...inPlane, across]) for (const v of m) expect(Number.isInteger(v)).toBe(true);
        expect(dot(z as Vec3, inPlane[0])).toBe(0);
        expect(dot(z as Vec3, inPlane[1])).toBe(0);
        expect(Math.abs(dot(z as Vec3, across))).toBe(gcd(gcd(z[0], z[1]), z[2]));
        expect(Math.abs(det([inPlane[0], inPlane[1], across]))).toBe(1);
      }),
      { seed: 7 },
    );
  });
});

describe('gaussReduce', () => {
  it('turns a skewed basis of the hexagonal plane lattice back into two shortest vectors 120° or 60° apart', () => {
    const a: Vec3 = [3.19, 0, 0];
    const b: Vec3 = [-1.595, 2.7626210381, 0];
    const skewed: [Vec3, Vec3] = [
      [a[0] + 3 * b[0], a[1] + 3 * b[1], 0],
      [2 * a[0] + 7 * b[0], 2 * a[1] + 7 * b[1], 0],
    ];
    const [u, v] = gaussReduce(...skewed);
    expect(norm(u)).toBeCloseTo(3.19, 9);
    expect(norm(v)).toBeCloseTo(3.19, 9);
    expect(Math.abs(dot(u, v))).toBeCloseTo(3.19 ** 2 / 2, 9);
  });
});
