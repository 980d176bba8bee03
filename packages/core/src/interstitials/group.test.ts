import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { HostEnvironment } from './environment.ts';
import { type GroupedSite, separate, stolDistance } from './group.ts';

// A 10 Å cubic box: 0.01 in fractional coordinates is 0.1 Å. Separation never looks at the atoms.
const box: Structure = { lattice: { matrix: [[10, 0, 0], [0, 10, 0], [0, 0, 10]] }, species: ['Ar'], fracCoords: [[0, 0, 0]] };
const env = new HostEnvironment(box);

/** A one-point orbit at `x` Å along a (y = z = 5 Å). */
function site(x: number, radius: number, order: number, fixed: string | null = null): GroupedSite {
  const p: Vec3 = [x / 10, 0.5, 0.5];
  return { fracCoords: p, radius, order, orbit: [p], source: fixed ? 'wyckoff' : 'voronoi', fixed };
}

describe('separate (no two sites closer than the cluster tolerance)', () => {
  it('resolves the closest pair first, by doped’s preference, and keeps sites the tolerance apart', () => {
    const a = site(5.0, 2.0, 4);
    const b = site(5.6, 2.1, 1); // 0.6 Å from a: a wins (more symmetric, 2.0 / 2.1 ≥ 0.85)
    const c = site(6.3, 1.9, 2); // 0.7 Å from b, 1.3 Å from a: stays once b is gone
    expect(separate([a, b, c], env, 0.8)).toEqual([a, c]);
    expect(separate([c, b, a], env, 0.8)).toEqual([c, a]);
  });

  it('keeps two fixed-coordinate Wyckoff positions of different letters however close', () => {
    const octahedral = site(5.0, 1.43, 16, '6b');
    const tetrahedral = site(5.72, 1.6, 8, '12d');
    expect(separate([tetrahedral, octahedral], env, 0.8)).toEqual([tetrahedral, octahedral]);
    // A free-parameter site next to one of them is still merged.
    expect(separate([tetrahedral, octahedral, site(5.3, 1.5, 2)], env, 0.8)).toEqual([tetrahedral, octahedral]);
  });

  it('measures to every point of the other orbit, over periodic images', () => {
    const wrapped: GroupedSite = { ...site(9.9, 2.0, 2), orbit: [[0.99, 0.5, 0.5], [0.3, 0.5, 0.5]] };
    const near = site(0.4, 2.1, 1); // 0.5 Å from 9.9 Å through the periodic boundary
    expect(separate([wrapped, near], env, 0.8)).toEqual([wrapped]);
  });
});

describe('stolDistance (doped’s get_stol_equiv_dist)', () => {
  it('is stol × (V / N)^(1/3): 0.32 for 8 atoms in 1000 Å³ is 1.6 Å', () => {
    expect(stolDistance(0.32, 1000, 8)).toBeCloseTo(1.6, 12);
  });
});
