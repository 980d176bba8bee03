import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3 } from '../base/linalg.ts';
import { periodicDistance } from '../base/lattice.ts';
import { PeriodicPointSet } from './point-set.ts';

describe('PeriodicPointSet', () => {
  const matrix: Mat3 = [[4, 0, 0], [-2, 3.4, 0], [0.5, 0.3, 6]];

  it('finds a stored point within tol across the cell boundary, and nothing beyond tol', () => {
    const set = new PeriodicPointSet<string>(matrix, 0.05);
    set.add([0.999, 0.5, 0.0005], 'a');
    expect(set.find([0.0015, 0.5, 0.999])?.value).toBe('a');
    expect(set.find([0.02, 0.5, 0])).toBeUndefined();
  });

  it('agrees with a brute-force search on random points (a match is never missed at a bucket edge)', () => {
    let state = 99;
    const rnd = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const tol = 0.3;
    const set = new PeriodicPointSet<number>(matrix, tol);
    const stored: Vec3[] = [];
    for (let i = 0; i < 200; i++) {
      const p: Vec3 = [rnd(), rnd(), rnd()];
      if (set.add(p, i).added) stored.push(p);
    }
    for (let i = 0; i < 2000; i++) {
      const q: Vec3 = [rnd(), rnd(), rnd()];
      const brute = stored.some((p) => periodicDistance({ matrix }, p, q) <= tol);
      expect(set.find(q) !== undefined, `query ${q}`).toBe(brute);
    }
  });
});
