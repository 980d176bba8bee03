import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Vec3, vecmat } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { toInputFrac } from '../symmetry/label.ts';
import type { SymmetryAnalysis } from '../symmetry/types.ts';
import { HostEnvironment } from './environment.ts';
import { type InterstitialSite, findInterstitialSites } from './find.ts';
import { idealizedStructure } from './ideal.ts';
import { findLowDimensional, vacuumRadius } from './low-dimensional.ts';
import { voronoiVertices } from './voronoi.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const load = (path: string): Structure =>
  readStructure(readFileSync(new URL(path, FIXTURES), 'utf8'), { filename: path.split('/').pop() }).structure;

function search(structure: Structure, options: { adsorption?: boolean; minDistance?: number } = {}) {
  const analysis = analyzeSymmetry(structure);
  return { analysis, ...findInterstitialSites(structure, analysis, { minDistance: options.minDistance ?? 0.9, adsorption: options.adsorption }) };
}

const adsorbed = (sites: InterstitialSite[]) => sites.filter((s) => s.source === 'adsorption');

/** Cartesian positions (Å) of every point of a site's orbit in the primitive cell. */
function orbitCart(analysis: SymmetryAnalysis, site: InterstitialSite): Vec3[] {
  return site.orbit.map((p) => vecmat(p, analysis.primitive.structure.lattice.matrix));
}

/** Height (Å) of z above the plane at z0, periodically in a cell of height c: in [-c/2, c/2). */
const heightAbove = (z: number, z0: number, c: number) => z - z0 - c * Math.round((z - z0) / c);

// The MoS2 fixture, in its own numbers: a = 3.19 Å, Mo plane at z = 8.56 Å, S planes 1.56 Å above and below, c = 17.12 Å.
const A = 3.19;
const C = 17.12;
const MO_Z = 8.56;
const S_OFFSET = 1.56;
const HEIGHT = 2.0;

describe('adsorption sites on a MoS2 monolayer with 14 Å of vacuum', () => {
  const mos2 = load('low-dimensional/MoS2-monolayer.vasp');

  it('are found above and below the layer, 2.0 Å beyond the S planes, on top and both hollows (the bridge grouped into a hollow, as in doped)', () => {
    const { analysis, sites, warnings } = search(mos2);
    expect(warnings).toEqual([
      expect.stringMatching(/vacuum region along c \(14\.0 Å of vacuum\).*low-dimensional \(a slab or layer, periodic along a and b\).*adsorption sites .* added on both of its surfaces/),
    ]);
    const ads = adsorbed(sites);
    // P-6m2's positions on the three-fold axes (2g 0,0,z; 2h 1/3,2/3,z; 2i 2/3,1/3,z). The bridge over an
    // S–S edge (6n x,-x,z) lies a/(2√3) = 0.91 Å from the hollows: doped groups sites within its stol
    // distance, 0.32 × (V / N)^(1/3) = 1.17 Å for this cell with its vacuum, and keeps the more
    // symmetric hollow (group.ts).
    expect(ads.map((s) => s.label.wyckoff).sort()).toEqual(['2g', '2h', '2i']);
    // The layer's horizontal mirror maps each site above it onto one below: every orbit has both.
    for (const site of ads) {
      const heights = orbitCart(analysis, site).map((p) => heightAbove(p[2], MO_Z, C));
      for (const h of heights) expect(Math.abs(h)).toBeCloseTo(S_OFFSET + HEIGHT, 6);
      expect(heights.filter((h) => h > 0)).toHaveLength(site.orbit.length / 2);
      expect(heights.filter((h) => h < 0)).toHaveLength(site.orbit.length / 2);
    }
    // On top of S: 2.0 Å from it; hollows (over Mo, over nothing): √(a²/3 + 2²).
    const byLetter = Object.fromEntries(ads.map((s) => [s.label.wyckoff, s]));
    expect(byLetter['2i'].minHostDistance).toBeCloseTo(HEIGHT, 6);
    expect(byLetter['2i'].coordination).toEqual({ S: 1 });
    for (const hollow of [byLetter['2g'], byLetter['2h']]) {
      expect(hollow.minHostDistance).toBeCloseTo(Math.hypot(A / Math.sqrt(3), HEIGHT), 6);
      expect(hollow.coordination).toEqual({ S: 3 });
    }
    // In the plane: S columns at (2/3, 1/3), Mo columns at (1/3, 2/3), empty hollows at (0, 0).
    // In sixths of the input cell's a and b.
    const inPlane = (s: InterstitialSite) =>
      s.orbit.map((p) => {
        const x = toInputFrac(analysis, p);
        return [x[0], x[1]].map((v) => Math.round((v - Math.floor(v)) * 6) % 6).join(',');
      });
    expect(new Set(inPlane(byLetter['2i']))).toEqual(new Set(['4,2']));
    expect(new Set(inPlane(byLetter['2h']))).toEqual(new Set(['2,4']));
    expect(new Set(inPlane(byLetter['2g']))).toEqual(new Set(['0,0']));
  });

  it('are symmetry-distinct: no point of one site’s orbit comes within 0.5 Å of another’s', () => {
    const { analysis, sites } = search(mos2);
    const ads = adsorbed(sites);
    const lattice = analysis.primitive.structure.lattice.matrix;
    for (let i = 0; i < ads.length; i++)
      for (let j = i + 1; j < ads.length; j++)
        for (const p of ads[i].orbit)
          for (const q of ads[j].orbit) {
            const d = [0, 1, 2].map((k) => p[k] - q[k] - Math.round(p[k] - q[k])) as Vec3;
            const cart = vecmat(d, lattice);
            expect(Math.hypot(...cart)).toBeGreaterThan(0.5);
          }
  });

  it('are not generated when the request switches them off, and nothing then lies in the vacuum', () => {
    const { analysis, sites, warnings } = search(mos2, { adsorption: false });
    expect(warnings).toEqual([expect.stringMatching(/low-dimensional \(a slab or layer.*adsorption sites are not generated because adsorption_sites is false/)]);
    expect(adsorbed(sites)).toEqual([]);
    expect(sites.length).toBeGreaterThan(0);
    for (const site of sites) for (const p of orbitCart(analysis, site)) expect(Math.abs(heightAbove(p[2], MO_Z, C))).toBeLessThanOrEqual(S_OFFSET + 1e-6);
  });

  it('reach the answer through the request: source "adsorption" by default, none with adsorption_sites false', () => {
    const input = { content: readFileSync(new URL('low-dimensional/MoS2-monolayer.vasp', FIXTURES), 'utf8'), filename: 'POSCAR' };
    const run = (adsorption_sites?: boolean): DefectAnswer =>
      generate(input, { defect_types: ['interstitial'], dopant_elements: ['Na'], max_candidates: 200, max_candidates_per_type: 100, output_formats: ['poscar'], adsorption_sites });
    const on = run().candidates.filter((c) => c.species === 'Na');
    const off = run(false).candidates.filter((c) => c.species === 'Na');
    expect(on.filter((c) => c.source === 'adsorption').map((c) => c.wyckoff).sort()).toEqual(['2g', '2h', '2i']);
    expect(off.filter((c) => c.source === 'adsorption')).toEqual([]);
    // The other sites stay (their names may lose the neighbour suffix that told them from an adsorption site).
    const where = (c: DefectAnswer['candidates'][number]) => `${c.wyckoff} ${c.unit_cell_frac_coords.map((x) => x.toFixed(6)).join(' ')}`;
    expect(off.map(where).sort()).toEqual(on.filter((c) => c.source !== 'adsorption').map(where).sort());
  });

  it('do not depend on the order of the atoms (an in-plane 2 × 2 supercell, its twelve atoms shuffled)', () => {
    const supercell: Structure = {
      lattice: { matrix: [vecmat([2, 0, 0], mos2.lattice.matrix), vecmat([0, 2, 0], mos2.lattice.matrix), mos2.lattice.matrix[2]] },
      species: [],
      fracCoords: [],
    };
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        mos2.fracCoords.forEach((f, k) => {
          supercell.species.push(mos2.species[k]);
          supercell.fracCoords.push([(f[0] + i) / 2, (f[1] + j) / 2, f[2]]);
        });
    const summary = (s: Structure) =>
      adsorbed(search(s).sites)
        .map((site) => `${site.label.wyckoff} ${site.label.multiplicity} ${site.fracCoords.map((x) => x.toFixed(6)).join(' ')} ${site.minHostDistance.toFixed(6)}`)
        .sort();
    const expected = summary(supercell);
    expect(expected).toHaveLength(3);
    const order = supercell.species.map((_, i) => i);
    fc.assert(
      fc.property(fc.shuffledSubarray(order, { minLength: order.length, maxLength: order.length }), (perm) => {
        const shuffled: Structure = { lattice: supercell.lattice, species: perm.map((i) => supercell.species[i]), fracCoords: perm.map((i) => supercell.fracCoords[i]) };
        expect(summary(shuffled)).toEqual(expected);
      }),
      { numRuns: 12, seed: 12 },
    );
  });
});

describe('a layer anywhere in its cell', () => {
  it('gets the same adsorption sites wherever the origin is, the layer split across the cell boundary included', () => {
    const mos2 = load('low-dimensional/MoS2-monolayer.vasp');
    const summary = (s: Structure) =>
      adsorbed(search(s).sites)
        .map((site) => `${site.label.wyckoff} ${site.label.multiplicity} ${site.minHostDistance.toFixed(6)}`)
        .sort();
    const expected = summary(mos2);
    expect(expected).toHaveLength(3);
    const shift = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(shift, (t) => {
        const moved: Structure = { ...mos2, fracCoords: mos2.fracCoords.map((f): Vec3 => [f[0] + t[0], f[1] + t[1], f[2] + t[2]]) };
        expect(summary(moved)).toEqual(expected);
      }),
      { numRuns: 12, seed: 12, examples: [[[0, 0, 0.5]]] },
    );
  });
});

describe('both surfaces of a layer without a horizontal mirror', () => {
  it('a Janus MoSSe layer gets its on-top and hollow sites above the Se plane and below the S plane, as separate orbits', () => {
    const mos2 = load('low-dimensional/MoS2-monolayer.vasp');
    // The S above the Mo plane becomes Se (kept at the same height: only the species breaks the mirror).
    const janus: Structure = { ...mos2, species: mos2.fracCoords.map((f, i) => (mos2.species[i] === 'S' && f[2] > 0.5 ? 'Se' : mos2.species[i])) };
    const { analysis, sites } = search(janus);
    const ads = adsorbed(sites);
    const sides = ads.map((site) => {
      const heights = orbitCart(analysis, site).map((p) => heightAbove(p[2], MO_Z, C));
      for (const h of heights) expect(Math.abs(h)).toBeCloseTo(S_OFFSET + HEIGHT, 6);
      expect(new Set(heights.map(Math.sign)).size).toBe(1);
      return Math.sign(heights[0]);
    });
    // On top and the two hollows on each side; the bridges are grouped into the hollows (doped's stol).
    expect(sides.filter((s) => s > 0)).toHaveLength(3);
    expect(sides.filter((s) => s < 0)).toHaveLength(3);
    const topOnTop = ads.find((s, i) => sides[i] > 0 && Math.abs(s.minHostDistance - HEIGHT) < 1e-6);
    expect(topOnTop?.coordination).toEqual({ Se: 1 });
  });
});

describe('a rod with vacuum along a and b', () => {
  // A square column of four atoms per period around the c axis at (±d, ±d), in a 14 Å box; c = 2.6 Å.
  const d = 1.3;
  const box = 14;
  const rod: Structure = {
    lattice: { matrix: [[box, 0, 0], [0, box, 0], [0, 0, 2.6]] },
    species: ['Cu', 'Cu', 'Cu', 'Cu'],
    fracCoords: [
      [0.5 + d / box, 0.5 + d / box, 0],
      [0.5 - d / box, 0.5 + d / box, 0],
      [0.5 - d / box, 0.5 - d / box, 0],
      [0.5 + d / box, 0.5 - d / box, 0],
    ],
  };

  it('is treated as a rod periodic along c, with on-top sites 2.0 Å outward from each atom, away from the axis', () => {
    const { analysis, sites, warnings } = search(rod);
    expect(warnings).toEqual([expect.stringMatching(/along a .* and b .*low-dimensional \(a rod or wire, periodic along c\).*outward from the rod axis/)]);
    const ads = adsorbed(sites);
    expect(ads).toHaveLength(1);
    const [site] = ads;
    expect(site.label.multiplicity).toBe(4);
    expect(site.minHostDistance).toBeCloseTo(HEIGHT, 6);
    for (const p of orbitCart(analysis, site)) {
      const x = p[0] - box / 2 - box * Math.round((p[0] - box / 2) / box);
      const y = p[1] - box / 2 - box * Math.round((p[1] - box / 2) / box);
      // On the diagonal through an atom, at the atom's distance from the axis plus 2.0 Å.
      expect(Math.abs(x)).toBeCloseTo(Math.abs(y), 6);
      expect(Math.hypot(x, y)).toBeCloseTo(d * Math.SQRT2 + HEIGHT, 6);
    }
    expect(adsorbed(search(rod, { adsorption: false }).sites)).toEqual([]);
  });

  it('a chain of atoms on its axis has no outward direction: the warning says no adsorption site could be placed', () => {
    const chain: Structure = { lattice: { matrix: [[12, 0, 0], [0, 12, 0], [0, 0, 1.3]] }, species: ['C'], fracCoords: [[0.5, 0.5, 0]] };
    const { sites, warnings } = search(chain);
    expect(warnings).toEqual([expect.stringMatching(/low-dimensional \(a rod or wire, periodic along c\).*no adsorption site could be placed/)]);
    expect(adsorbed(sites)).toEqual([]);
  });
});

describe('what counts as low-dimensional (doped’s vacuum radius)', () => {
  it('a one-atom hexagonal W cell with c = 5.5 Å is a bulk stack of atomic planes: interstitials between them, no vacuum, no adsorption sites', () => {
    const w = load('low-dimensional/W-hexagonal-layers.vasp');
    const analysis = analyzeSymmetry(w);
    const host = idealizedStructure(analysis);
    const env = new HostEnvironment(host);
    // Shortest W–W distance a = 2.75 Å: radius max(1.5 × 2.75, 2.5) = 4.125 Å. The roomiest hole, between
    // three atoms of one plane and three of the next, is √(a²/3 + (c/2)²) = 3.18 Å from them.
    expect(vacuumRadius(env)).toBeCloseTo(4.125, 9);
    expect(findLowDimensional(w, analysis, env, voronoiVertices(host))).toBeNull();
    const { sites, warnings } = search(w);
    expect(warnings).toEqual([]);
    expect(adsorbed(sites)).toEqual([]);
    expect(sites[0]).toMatchObject({ label: { wyckoff: '2d', pointGroup: 'D3h' }, source: 'voronoi' });
    expect(sites[0].minHostDistance).toBeCloseTo(Math.hypot(2.75 / Math.sqrt(3), 5.5 / 2), 6);
    for (const s of sites) expect(s.fracCoords[2]).toBeCloseTo(0.5, 9);
  });

  const bulk = [
    ...readdirSync(new URL('structures/', FIXTURES)).map((f) => `structures/${f}`),
    ...readdirSync(new URL('doped/', FIXTURES))
      .filter((f) => f.endsWith('.vasp'))
      .map((f) => `doped/${f}`),
  ];
  it.each(bulk)('%s (bulk) is not low-dimensional and gets no adsorption site', (path) => {
    const structure = load(path);
    const { sites, warnings } = search(structure);
    expect(warnings.filter((w) => /low-dimensional|vacuum/.test(w))).toEqual([]);
    expect(adsorbed(sites)).toEqual([]);
  });
});

describe('a layer in any cell', () => {
  const mos2 = load('low-dimensional/MoS2-monolayer.vasp');
  const m = mos2.lattice.matrix;
  const summary = (s: Structure) =>
    adsorbed(search(s).sites)
      .map((site) => `${site.label.wyckoff} ${site.label.multiplicity / (s.species.length / 3)} ${site.minHostDistance.toFixed(6)}`)
      .sort();
  const expected = summary(mos2);

  it('vacuum along a instead of c', () => {
    const rotated: Structure = { lattice: { matrix: [m[2], m[0], m[1]] }, species: mos2.species, fracCoords: mos2.fracCoords.map((f): Vec3 => [f[2], f[0], f[1]]) };
    expect(summary(rotated)).toEqual(expected);
    expect(search(rotated).warnings[0]).toMatch(/vacuum region along a .*periodic along b and c/);
  });

  it('c tilted by a whole a (the same lattice, another basis)', () => {
    const tilted: Structure = {
      lattice: { matrix: [m[0], m[1], [m[2][0] + m[0][0], m[2][1] + m[0][1], m[2][2]]] },
      species: mos2.species,
      fracCoords: mos2.fracCoords.map((f): Vec3 => [f[0] - f[2], f[1], f[2]]),
    };
    expect(summary(tilted)).toEqual(expected);
  });

  it('a non-diagonal in-plane supercell (a + b, −a + 2b), multiplicities scaling with it', () => {
    const cells: [number, number][] = [];
    for (let i = -1; i <= 2; i++) for (let j = 0; j <= 3; j++) cells.push([i, j]);
    const p: [number, number][] = [
      [1, 1],
      [-1, 2],
    ];
    const inv = [
      [2 / 3, -1 / 3],
      [1 / 3, 1 / 3],
    ];
    const species: string[] = [];
    const fracCoords: Vec3[] = [];
    const seen = new Set<string>();
    for (const [i, j] of cells)
      mos2.fracCoords.forEach((f, k) => {
        // Fractional coordinates in the supercell: x_super = (x + shift)·P⁻¹ in the plane.
        const x = f[0] + i;
        const y = f[1] + j;
        const s = [x * inv[0][0] + y * inv[1][0], x * inv[0][1] + y * inv[1][1]].map((v) => v - Math.floor(v + 1e-9));
        const key = `${k} ${s.map((v) => v.toFixed(6)).join(' ')}`;
        if (seen.has(key)) return;
        seen.add(key);
        species.push(mos2.species[k]);
        fracCoords.push([s[0], s[1], f[2]]);
      });
    const matrix = p.map(([u, v]) => [u * m[0][0] + v * m[1][0], u * m[0][1] + v * m[1][1], 0]) as [Vec3, Vec3];
    const supercell: Structure = { lattice: { matrix: [matrix[0], matrix[1], m[2]] }, species, fracCoords };
    expect(species).toHaveLength(9);
    expect(summary(supercell)).toEqual(expected);
  });
});
