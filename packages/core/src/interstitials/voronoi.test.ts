import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Vec3, cross, dot, norm, sub } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { HostEnvironment } from './environment.ts';
import { idealizedStructure } from './ideal.ts';
import { PeriodicPointSet } from './point-set.ts';
import { voronoiVertices } from './voronoi.ts';

const cubic = (a: number, species: string[], fracCoords: Vec3[]): Structure => ({
  lattice: { matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]] },
  species,
  fracCoords,
});
const FCC: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];

/** Vertex radii grouped to 1e-4 Å: radius → how many vertices have it. */
function radii(structure: Structure): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of voronoiVertices(structure)) {
    const k = v.radius.toFixed(4);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

describe('voronoiVertices on cubic crystals (every vertex shared by many cells: the degenerate case)', () => {
  it('FCC: 4 octahedral holes at a/2 and 8 tetrahedral holes at a·√3/4 per conventional cell', () => {
    const a = 3.5774;
    expect(radii(cubic(a, ['Cu', 'Cu', 'Cu', 'Cu'], FCC))).toEqual(
      new Map([
        [(a / 2).toFixed(4), 4],
        [((a * Math.sqrt(3)) / 4).toFixed(4), 8],
      ]),
    );
  });

  it('BCC: the 12 tetrahedral holes at a·√5/4 and nothing else (the octahedral hole is a face centre)', () => {
    const a = 2.8665;
    expect(radii(cubic(a, ['Fe', 'Fe'], [[0, 0, 0], [0.5, 0.5, 0.5]]))).toEqual(new Map([[((a * Math.sqrt(5)) / 4).toFixed(4), 12]]));
  });

  it('simple cubic with one atom: the cube centre, a·√3/2 from eight atoms', () => {
    const v = voronoiVertices(cubic(3, ['Po'], [[0, 0, 0]]));
    expect(v).toHaveLength(1);
    expect(v[0].fracCoords).toEqual([expect.closeTo(0.5, 9), expect.closeTo(0.5, 9), expect.closeTo(0.5, 9)]);
    expect(v[0].radius).toBeCloseTo((3 * Math.sqrt(3)) / 2, 9);
  });

  it('zinc blende: 8 tetrahedral holes at a·√3/4 and 16 hexagonal ones at a·√11/8', () => {
    const a = 6.5;
    const te = FCC.map((p) => p.map((x) => x + 0.25) as Vec3);
    expect(radii(cubic(a, ['Cd', 'Cd', 'Cd', 'Cd', 'Te', 'Te', 'Te', 'Te'], [...FCC, ...te]))).toEqual(
      new Map([
        [((a * Math.sqrt(11)) / 8).toFixed(4), 16],
        [((a * Math.sqrt(3)) / 4).toFixed(4), 8],
      ]),
    );
  });

  it('finds the same tessellation in a supercell (periodic images handled, nothing missed at cell borders)', () => {
    const a = 3.5774;
    const unit = voronoiVertices(cubic(a, ['Cu', 'Cu', 'Cu', 'Cu'], FCC));
    const doubled: Structure = {
      lattice: { matrix: [[2 * a, 0, 0], [0, a, 0], [0, 0, a]] },
      species: Array(8).fill('Cu'),
      fracCoords: [...FCC.map((p) => [p[0] / 2, p[1], p[2]] as Vec3), ...FCC.map((p) => [p[0] / 2 + 0.5, p[1], p[2]] as Vec3)],
    };
    const big = voronoiVertices(doubled);
    expect(big).toHaveLength(2 * unit.length);
    for (const v of unit) {
      for (const shift of [0, 0.5]) {
        const target: Vec3 = [v.fracCoords[0] / 2 + shift, v.fracCoords[1], v.fracCoords[2]];
        expect(big.some((w) => w.fracCoords.every((x, i) => Math.abs(x - target[i]) < 1e-6))).toBe(true);
      }
    }
  });
});

/** A small deterministic pseudo-random stream (LCG), so the random structures are the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function circumcentre(a: Vec3, b: Vec3, c: Vec3, d: Vec3): Vec3 | null {
  const u = sub(b, a);
  const v = sub(c, a);
  const w = sub(d, a);
  const det = dot(u, cross(v, w));
  if (Math.abs(det) < 1e-9) return null;
  const uu = dot(u, u);
  const vv = dot(v, v);
  const ww = dot(w, w);
  const vw = cross(v, w);
  const wu = cross(w, u);
  const uv = cross(u, v);
  const x: Vec3 = [0, 1, 2].map((i) => (uu * vw[i] + vv * wu[i] + ww * uv[i]) / (2 * det)) as Vec3;
  return [a[0] + x[0], a[1] + x[1], a[2] + x[2]];
}

/**
 * Brute force, independent of the clipping: every circumcentre of four atoms (one in the home cell)
 * whose sphere holds no atom is a vertex. Atoms of one such tetrahedron are within twice the largest
 * empty-sphere radius of each other, bounded from a grid search.
 */
function bruteForceVertices(structure: Structure): Vec3[] {
  const env = new HostEnvironment(structure);
  let maxEmpty = 0;
  const n = 16;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) maxEmpty = Math.max(maxEmpty, env.nearestDistance([i / n, j / n, k / n]));
  const [la, lb, lc] = structure.lattice.matrix.map(norm);
  const bound = 2 * (maxEmpty + (Math.hypot(la, lb, lc) / n) * 0.5);
  const found: Vec3[] = [];
  structure.fracCoords.forEach((f) => {
    const a = env.toCart(f);
    const around = env.within(f, bound, { excludeSelf: true }).map((nb) => nb.cart);
    for (let i = 0; i < around.length; i++)
      for (let j = i + 1; j < around.length; j++)
        for (let k = j + 1; k < around.length; k++) {
          const c = circumcentre(a, around[i], around[j], around[k]);
          if (!c) continue;
          const r = norm(sub(c, a));
          const frac = env.toFrac(c);
          if (env.nearestDistance(frac) < r - 1e-7) continue;
          const w = frac.map((x) => x - Math.floor(x)) as Vec3;
          if (!found.some((p) => env.toCart(p.map((x, m) => x - w[m] - Math.round(x - w[m])) as Vec3).every((x) => Math.abs(x) < 1e-5))) found.push(w);
        }
  });
  return found;
}

describe('voronoiVertices against brute force on random triclinic cells (generic, non-degenerate)', () => {
  for (const seed of [1, 7, 42]) {
    it(`seed ${seed}: the same vertices, each at its empty-sphere radius`, () => {
      const rnd = lcg(seed);
      const structure: Structure = {
        lattice: {
          matrix: [
            [3.1 + rnd(), 0, 0],
            [0.6 * rnd(), 3.3 + rnd(), 0],
            [0.5 * rnd(), 0.4 * rnd(), 3.6 + rnd()],
          ],
        },
        species: ['Si', 'O', 'O'],
        fracCoords: [0, 1, 2].map(() => [rnd(), rnd(), rnd()] as Vec3),
      };
      const env = new HostEnvironment(structure);
      const ours = voronoiVertices(structure);
      const expected = bruteForceVertices(structure);
      expect(ours.length).toBe(expected.length);
      for (const v of ours) {
        expect(env.nearestDistance(v.fracCoords)).toBeCloseTo(v.radius, 9);
        const d = expected.map((p) => env.toCart(p.map((x, m) => x - v.fracCoords[m] - Math.round(x - v.fracCoords[m])) as Vec3));
        expect(Math.min(...d.map(norm))).toBeLessThan(1e-5);
      }
    });
  }

  it('follows a cell with 20 Å of vacuum: the radius search grows until the cells close', () => {
    const slab: Structure = {
      lattice: { matrix: [[3, 0, 0], [0, 3, 0], [0, 0, 23]] },
      species: ['Al', 'Al'],
      fracCoords: [[0, 0, 0], [0.5, 0.5, 1.5 / 23]],
    };
    const v = voronoiVertices(slab);
    const env = new HostEnvironment(slab);
    for (const x of v) expect(env.nearestDistance(x.fracCoords)).toBeCloseTo(x.radius, 9);
    // The roomiest vertex is out in the vacuum, roughly half of it away from the atoms.
    expect(Math.max(...v.map((x) => x.radius))).toBeGreaterThan(9);
  });
});

describe('voronoiVertices with the space group: one cell per orbit of atoms, mapped', () => {
  const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
  const files = [
    ...readdirSync(new URL('structures/', FIXTURES)).map((f) => `structures/${f}`),
    ...readdirSync(new URL('near-duplicates/', FIXTURES)).map((f) => `near-duplicates/${f}`),
    ...readdirSync(new URL('doped/', FIXTURES))
      .filter((f) => f.endsWith('.vasp'))
      .map((f) => `doped/${f}`),
  ];
  it.each(files)('%s: the same vertices and clearances as building every atom’s cell', (path) => {
    const structure = readStructure(readFileSync(new URL(path, FIXTURES), 'utf8'), { filename: path.split('/').pop() }).structure;
    const analysis = analyzeSymmetry(structure);
    const host = idealizedStructure(analysis);
    const env = new HostEnvironment(host);
    const each = voronoiVertices(host, env);
    const mapped = voronoiVertices(host, env, analysis.primitive);
    expect(mapped).toHaveLength(each.length);
    const set = new PeriodicPointSet<number>(env.matrix, 1e-3);
    for (const v of each) set.add(v.fracCoords, v.radius);
    for (const v of mapped) {
      const twin = set.find(v.fracCoords);
      expect(twin, `${path} ${v.fracCoords}`).toBeDefined();
      expect(Math.abs(twin!.value - v.radius)).toBeLessThan(1e-6);
    }
  });
});
