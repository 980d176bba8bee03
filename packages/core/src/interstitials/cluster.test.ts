import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { attachSpecialPositions, clusterCandidates } from './cluster.ts';
import { HostEnvironment } from './environment.ts';
import type { SiteCandidate } from './reduce.ts';

// A 10 Å cubic box: 0.01 in fractional coordinates is 0.1 Å. Clustering never looks at the atoms.
const box: Structure = { lattice: { matrix: [[10, 0, 0], [0, 10, 0], [0, 0, 10]] }, species: ['Ar'], fracCoords: [[0, 0, 0]] };
const env = new HostEnvironment(box);

/** A candidate at `x` Å along the box's a axis (centred at y = z = 5 Å), its orbit given as further x positions. */
function at(xAngstrom: number, radius: number, order: number, orbitX: number[] = [], source: SiteCandidate['source'] = 'voronoi'): SiteCandidate {
  const p = (x: number): Vec3 => [x / 10, 0.5, 0.5];
  return { fracCoords: p(xAngstrom), radius, order, orbit: [p(xAngstrom), ...orbitX.map(p)], source };
}

describe('clusterCandidates (0.8 Å, doped’s symmetry preference)', () => {
  it('represents a cluster by its most symmetric member while its clearance is at least 0.85 of the roomiest', () => {
    const roomy = at(5, 2.0, 1);
    const symmetric = at(5.5, 1.75, 4); // 1.75 ≥ 0.85 × 2.0 = 1.70
    expect(clusterCandidates([roomy, symmetric], env)).toEqual([symmetric]);
  });

  it('keeps the roomiest member when the symmetric one is too tight (below 0.85 of it)', () => {
    const roomy = at(5, 2.0, 1);
    const symmetric = at(5.5, 1.65, 4); // 1.65 < 1.70
    expect(clusterCandidates([symmetric, roomy], env)).toEqual([roomy]);
  });

  it('leaves candidates farther apart than the tolerance alone', () => {
    const a = at(2, 2.0, 1);
    const b = at(2.81, 1.9, 1);
    expect(clusterCandidates([a, b], env)).toEqual([a, b]);
  });

  it('does not chain: three candidates 0.6 Å apart in a row make two sites, not one', () => {
    // Single linkage would merge all three (each is 0.6 Å from the next); the seed, the roomiest,
    // claims only its neighbour, and the far end (1.2 Å away) is a site of its own.
    const left = at(4, 2.0, 1);
    const middle = at(4.6, 1.9, 1);
    const right = at(5.2, 1.95, 1);
    expect(clusterCandidates([middle, right, left], env)).toEqual([left, right]);
  });

  it('is the same whichever order the candidates come in', () => {
    const list = [at(3, 1.8, 2), at(3.4, 1.9, 1), at(3.9, 1.7, 6), at(6, 1.5, 1)];
    const expected = clusterCandidates(list, env);
    expect(clusterCandidates([...list].reverse(), env)).toEqual(expected);
    expect(clusterCandidates([list[2], list[0], list[3], list[1]], env)).toEqual(expected);
  });
});

describe('attachSpecialPositions', () => {
  it('merges a special position with a site whose nearby points surround it tightly (all within 0.8 Å of one another)', () => {
    // Three vertices 0.25 Å around an axis point, as around Al2O3's 6a: one site, the symmetric point.
    const vertices = at(4.75, 1.35, 2, [5.25]);
    const axis = at(5, 1.33, 6, [], 'wyckoff');
    expect(attachSpecialPositions([vertices], [axis], env)).toEqual([axis]);
  });

  it('keeps a special position flanked by points on opposite sides farther than 0.8 Å from each other', () => {
    // BCC: the octahedral site with tetrahedral sites 0.72 Å away on either side, 1.43 Å apart.
    const tetrahedral = at(4.28, 1.6, 8, [5.72]);
    const octahedral = at(5, 1.43, 16, [], 'wyckoff');
    expect(attachSpecialPositions([tetrahedral], [octahedral], env)).toEqual([tetrahedral, octahedral]);
  });
});
