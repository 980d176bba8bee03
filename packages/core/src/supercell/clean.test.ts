import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Mat3, det, matmul } from '../base/linalg.ts';
import { cleanBasis, latticeSortKey } from './clean.ts';

const apply = (t: number[][], basis: Mat3) => matmul(t as Mat3, basis);
const close = (a: Mat3, b: Mat3) => a.every((r, i) => r.every((v, j) => Math.abs(v - b[i][j]) < 1e-6));

/** A random unimodular integer matrix: a product of elementary row operations. */
const unimodular = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: -2, max: 2 })), { maxLength: 6 }).map((ops) => {
  const m = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (const [i, j, k] of ops) if (i !== j) for (let c = 0; c < 3; c++) m[i][c] += k * m[j][c];
  return m;
});

const lattice = fc
  .tuple(fc.double({ min: 2, max: 12, noNaN: true }), fc.double({ min: 2, max: 12, noNaN: true }), fc.double({ min: 2, max: 12, noNaN: true }), fc.double({ min: -0.4, max: 0.4, noNaN: true }), fc.double({ min: -0.4, max: 0.4, noNaN: true }), fc.double({ min: -0.4, max: 0.4, noNaN: true }))
  .map(([a, b, c, s1, s2, s3]): Mat3 => [
    [a, 0, 0],
    [s1 * b, b, 0],
    [s2 * c, s3 * c, c],
  ]);

describe('the clean basis of a lattice (doped’s get_clean_structure)', () => {
  it('writes a cube given permuted and negated as the cube along x, y, z', () => {
    const a = 10.117;
    const given: Mat3 = [[0, 0, -a], [a, 0, 0], [0, -a, 0]];
    const t = cleanBasis(given, undefined, true);
    expect(close(apply(t, given), [[a, 0, 0], [0, a, 0], [0, 0, a]])).toBe(true);
  });

  it('writes a body-centred tetragonal cell (a, 0, 0), (0, a, 0), (a/2, a/2, c/2)', () => {
    const [a, c] = [3.757, 22.839];
    const given: Mat3 = [[-a / 2, -a / 2, -c / 2], [a / 2, a / 2, -c / 2], [a / 2, -a / 2, c / 2]];
    expect(close(apply(cleanBasis(given), given), [[a, 0, 0], [0, a, 0], [a / 2, a / 2, c / 2]])).toBe(true);
  });

  it('is right-handed, spans the same lattice, and does not depend on the basis it is given', () => {
    fc.assert(
      fc.property(lattice, unimodular, (basis, u) => {
        const given = apply(u, basis);
        const t = cleanBasis(given, undefined, true);
        const clean = apply(t, given);
        expect(Math.abs(det(t as Mat3))).toBe(1);
        expect(det(clean)).toBeGreaterThan(0);
        // the same clean basis (up to the sort key's rounding ties) whatever basis of the lattice came in
        const reference = apply(cleanBasis(basis, undefined, true), basis);
        expect(latticeSortKey(clean, true)).toEqual(latticeSortKey(reference, true));
      }),
      { numRuns: 300 },
    );
  });
});
