import { describe, expect, it } from 'vitest';
import { angles, fromParameters, lengths, periodicDistance, volume } from './lattice.ts';

describe('lattice', () => {
  it('builds a hexagonal cell from its parameters', () => {
    const l = fromParameters(3.189, 3.189, 5.185, 90, 90, 120);
    expect(lengths(l)).toEqual([expect.closeTo(3.189, 9), expect.closeTo(3.189, 9), expect.closeTo(5.185, 9)]);
    expect(angles(l)[2]).toBeCloseTo(120, 9);
    // sqrt(3)/2 a^2 c for a hexagonal cell
    expect(volume(l)).toBeCloseTo((Math.sqrt(3) / 2) * 3.189 ** 2 * 5.185, 6);
  });

  it('measures distances through periodic images', () => {
    const l = fromParameters(4, 4, 4, 90, 90, 90);
    expect(periodicDistance(l, [0.05, 0, 0], [0.95, 0, 0])).toBeCloseTo(0.4, 12);
    expect(periodicDistance(l, [0, 0, 0], [0.5, 0.5, 0.5])).toBeCloseTo(Math.sqrt(12), 12);
  });
});
