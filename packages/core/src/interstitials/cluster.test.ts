import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { type ClusterPoint, clusterPoints } from './cluster.ts';
import { HostEnvironment } from './environment.ts';

// Simple cubic Ar, a = 5 Å (Pm-3m): mirrors at x = 0 and x = 1/2 among others; 0.01 is 0.05 Å.
const host: Structure = { lattice: { matrix: [[5, 0, 0], [0, 5, 0], [0, 0, 5]] }, species: ['Ar'], fracCoords: [[0, 0, 0]] };
const analysis = analyzeSymmetry(host);
const env = new HostEnvironment(host);
const point = (fracCoords: Vec3, fixed: string | null = null): ClusterPoint => ({
  fracCoords,
  radius: env.nearestDistance(fracCoords),
  source: fixed ? 'wyckoff' : 'voronoi',
  fixed,
});
const places = (choices: { fracCoords: Vec3 }[]) => choices.map((c) => c.fracCoords.map((x) => Math.round(x * 1e6) / 1e6)).sort();

describe('clusterPoints (doped’s _doped_cluster_frac_coords)', () => {
  it('represents two points either side of a mirror by their centroid on it, the more symmetric candidate', () => {
    const choices = clusterPoints([point([0.45, 0.2, 0.1]), point([0.55, 0.2, 0.1])], env, analysis, 0.8);
    expect(places(choices)).toEqual([[0.5, 0.2, 0.1]]);
    expect(choices[0].order).toBe(2);
  });

  it('keeps a member when the centroid falls below 0.85 of the roomiest clearance', () => {
    // Either side of the atom at the origin, 0.7 Å apart, 0.61 Å from it: the centroid on the 4-fold axis is 0.5 Å from it (0.82).
    const choices = clusterPoints([point([0.93, 0, 0.1]), point([0.07, 0, 0.1])], env, analysis, 0.8);
    // The two members tie on clearance and symmetry: doped's coordinate sort takes the smaller norm.
    expect(places(choices)).toEqual([[0.07, 0, 0.1]]);
  });

  it('leaves points farther apart than the tolerance alone, and merges them at a larger one', () => {
    const points = [point([0.3, 0.2, 0.1]), point([0.5, 0.2, 0.1])]; // 1 Å apart
    expect(clusterPoints(points, env, analysis, 0.8)).toHaveLength(2);
    expect(clusterPoints(points, env, analysis, 1.2)).toHaveLength(1);
  });

  it('never merges fixed-coordinate Wyckoff positions of different letters', () => {
    const choices = clusterPoints([point([0.5, 0.5, 0.5], '1b'), point([0.5, 0.5, 0.4], '3c')], env, analysis, 0.8);
    expect(places(choices)).toEqual([[0.5, 0.5, 0.4], [0.5, 0.5, 0.5]]);
  });

  it('does not depend on the order the points come in', () => {
    const points = [point([0.45, 0.2, 0.1]), point([0.55, 0.2, 0.1]), point([0.5, 0.35, 0.1]), point([0.2, 0.7, 0.7]), point([0.26, 0.7, 0.7])];
    const expected = places(clusterPoints(points, env, analysis, 0.8));
    expect(places(clusterPoints([...points].reverse(), env, analysis, 0.8))).toEqual(expected);
    expect(places(clusterPoints([points[3], points[0], points[4], points[2], points[1]], env, analysis, 0.8))).toEqual(expected);
  });
});
