import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SupercellError } from '../base/errors.ts';
import { periodicDistance, toCartesian, volume } from '../base/lattice.ts';
import { type Mat3, type Vec3, det, inverse, vecmat } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { type IntMatrix, hermiteNormalForm, integerDeterminant, latticePointsInSupercell } from './build.ts';
import { type Supercell, resolveSupercell } from './resolve.ts';
import { bestSupercellOfSize } from './search.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8'));

function fixture(name: string): Structure {
  return readStructure(readFileSync(new URL(`structures/${name}`, FIXTURES), 'utf8'), { filename: name }).structure;
}

function scaled(s: Structure, factor: number): Structure {
  return { ...s, lattice: { matrix: s.lattice.matrix.map((r) => r.map((v) => v * factor)) as Mat3 } };
}

function expectSupercellOf(input: Structure, sc: Supercell): void {
  // every site is an input site moved by a lattice vector of the base cell, in the same Cartesian frame
  const back = inverse(sc.baseLattice.matrix);
  sc.structure.fracCoords.forEach((x, i) => {
    const parent = sc.parentSites[i];
    expect(sc.structure.species[i]).toBe(input.species[parent]);
    const c = toCartesian(sc.structure.lattice, x);
    const p = toCartesian(input.lattice, input.fracCoords[parent]);
    const n = vecmat([c[0] - p[0], c[1] - p[1], c[2] - p[2]], back);
    // The primitive cell holds each atom averaged over its pure-translation copies in the input
    // (symmetry/primitive.ts), which moves it by the input's own noise (µÅ in YTOS); beyond that,
    // buildSupercell folds coordinates within 1e-8 of 1 to 0 (wrapVec).
    const miss = vecmat(n.map((v) => v - Math.round(v)) as Vec3, sc.baseLattice.matrix);
    expect(Math.hypot(...miss)).toBeLessThan(1e-4);
  });
  expect(volume(sc.structure.lattice)).toBeCloseTo((volume(input.lattice) * sc.nSites) / input.species.length, 6);
  expect(sc.structure.species).toHaveLength(sc.nSites);
}

describe('bestSupercellOfSize against doped (CdTe primitive cell, a = 6.5407 Å)', () => {
  const golden = reference.supercell_golden;
  const h = golden.CdTe_primitive_a / 2;
  const primitive = { matrix: [[0, h, h], [h, 0, h], [h, h, 0]] as Mat3 };

  it('is at least as good as doped at every size from 1 to 40 cells', () => {
    // doped prints three decimals; for N = 33 it lists 13.876, 0.0011 Å above 3a/√2 = 13.8749, which a
    // brute-force search over every sublattice of index 33 shows to be the true optimum (its 13.876
    // is rounding noise), so the comparison allows 2e-3.
    golden.min_image_distance_by_N.forEach((distance: number, i: number) => {
      const best = bestSupercellOfSize(primitive, i + 1);
      expect(best, `N = ${i + 1}`).not.toBeNull();
      expect(best!.minImageDistance, `N = ${i + 1}`).toBeGreaterThanOrEqual(distance - 2e-3);
      expect(Math.abs(integerDeterminant(best!.matrix))).toBe(i + 1);
    });
  });

  it('finds the shapes one can work out by hand', () => {
    const a = golden.CdTe_primitive_a;
    // 4 cells: the conventional cube; 8: the doubled primitive cell; 27: the tripled one
    expect(bestSupercellOfSize(primitive, 4)!.minImageDistance).toBeCloseTo(a, 9);
    expect(bestSupercellOfSize(primitive, 8)!.minImageDistance).toBeCloseTo((2 * a) / Math.SQRT2, 9);
    expect(bestSupercellOfSize(primitive, 27)!.minImageDistance).toBeCloseTo((3 * a) / Math.SQRT2, 9);
    expect(bestSupercellOfSize(primitive, 27)!.diagonal).toBe(true);
  });
});

describe('automatic supercell', () => {
  it('gives CdTe (a = 6.5407 Å) doped\'s default: 3×3×3 primitive cells, 54 atoms, 13.875 Å', () => {
    const expected = reference.structures['CdTe.cif'].doped.default_supercell;
    const s = scaled(fixture('CdTe.cif'), 6.5407 / 6.5);
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.base).toBe('primitive');
    expect(sc.matrix).toEqual(expected.matrix_of_primitive_cell);
    expect(sc.nSites).toBe(expected.n_sites);
    expect(sc.minImageDistance).toBeCloseTo(expected.min_image_distance, 3);
    expect(sc.diagonal).toBe(true);
    expect(sc.warnings).toEqual([]);
    expectSupercellOf(s, sc);
    expect(sc.structure.species.filter((e) => e === 'Cd')).toHaveLength(27);
  });

  it('gives the CdTe fixture (a = 6.5 Å) the same shape, with distance 3a/√2', () => {
    const s = fixture('CdTe.cif');
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.matrix).toEqual([[3, 0, 0], [0, 3, 0], [0, 0, 3]]);
    expect(sc.nSites).toBe(54);
    expect(sc.minImageDistance).toBeCloseTo((3 * 6.5) / Math.SQRT2, 9);
    // the Cd–Te bond, √3a/4, is still the shortest distance in the supercell
    const d = periodicDistance(sc.structure.lattice, sc.structure.fracCoords[0], sc.structure.fracCoords[27]);
    expect(Math.min(d, ...sc.structure.fracCoords.slice(27).map((x) => periodicDistance(sc.structure.lattice, sc.structure.fracCoords[0], x)))).toBeCloseTo(
      (Math.sqrt(3) * 6.5) / 4,
      9,
    );
  });

  it('gives Cu doped\'s default: 64 atoms, 10.118 Å', () => {
    const expected = reference.structures['Cu.cif'].doped.default_supercell;
    const s = fixture('Cu.cif');
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(expected.n_sites);
    expect(sc.minImageDistance).toBeCloseTo(expected.min_image_distance, 3);
    expect(sc.matrix).toEqual([[4, 0, 0], [0, 4, 0], [0, 0, 4]]);
    expectSupercellOf(s, sc);
  });

  it('takes the smallest size reaching a larger distance, non-diagonal when no diagonal one is within 10 %', () => {
    // doped's table: 15 Å is first reached at N = 39 (15.34 Å); the best diagonal with N ≤ 42 is 3×3×4, 13.9 Å
    const s = scaled(fixture('CdTe.cif'), 6.5407 / 6.5);
    const sc = resolveSupercell(s, analyzeSymmetry(s), [], { minImageDistance: 15 });
    expect(sc.nSites).toBe(78);
    expect(sc.minImageDistance).toBeGreaterThanOrEqual(15);
    expect(sc.diagonal).toBe(false);
    expect(integerDeterminant(sc.matrix as IntMatrix)).toBe(39);
    expectSupercellOf(s, sc);
  });

  it('meets both thresholds for every fixture', () => {
    for (const name of Object.keys(reference.structures)) {
      const s = fixture(name);
      const sc = resolveSupercell(s, analyzeSymmetry(s), []);
      expect(sc.minImageDistance, name).toBeGreaterThanOrEqual(10);
      expect(sc.nSites, name).toBeGreaterThanOrEqual(50);
      expect(integerDeterminant(sc.matrix as IntMatrix), name).toBeGreaterThan(0);
      expectSupercellOf(s, sc);
    }
  });

  it('falls back to a diagonal expansion, with a warning, when the exhaustive search would take too long', () => {
    // 20 Å in one-atom BCC iron means examining millions of sublattices. Diagonal expansions k×k×k of
    // the primitive cell have λ = k·(√3/2)a = 2.482k Å: 8 gives 19.86 Å, so 9×9×9 = 729 atoms.
    const s = fixture('Fe-bcc.vasp');
    const sc = resolveSupercell(s, analyzeSymmetry(s), [], { minImageDistance: 20 });
    expect(sc.matrix).toEqual([[9, 0, 0], [0, 9, 0], [0, 0, 9]]);
    expect(sc.nSites).toBe(729);
    expect(sc.minImageDistance).toBeCloseTo(9 * (Math.sqrt(3) / 2) * 2.8665, 9);
    expect(sc.warnings).toEqual([expect.stringMatching(/stopped after 5000000 candidates; the smallest diagonal expansion/)]);
  });

  it('refuses when the thresholds need more atoms than allowed, naming both numbers', () => {
    const s = fixture('CdTe.cif');
    const a = analyzeSymmetry(s);
    // 13 Å needs at least 13³/(√2·V) = 22.6 primitive cells (FCC packing bound, V = 6.5³/4): 46 atoms
    const attempt = () => resolveSupercell(s, a, [], { minImageDistance: 13, minAtoms: 10, maxAtoms: 40 });
    expect(attempt).toThrow(SupercellError);
    expect(attempt).toThrow(/would have at least 46 atoms, more than the limit of 40/);
    try {
      attempt();
    } catch (err) {
      expect((err as SupercellError).code).toBe('supercell_too_large');
    }
  });
});

describe('doped’s default supercell on doped’s published cases (get_ideal_supercell_matrix)', () => {
  const doped = (name: string): Structure =>
    readStructure(readFileSync(new URL(`doped/${name}.vasp`, FIXTURES), 'utf8'), { filename: `${name}.vasp` }).structure;
  const expected = (name: string) => JSON.parse(readFileSync(new URL(`doped/${name}.expected.json`, FIXTURES), 'utf8')).supercell;

  it('YTOS: 8 primitive cells (88 atoms) would do, but 3×3×1 (99 atoms, 11.27 Å) is a diagonal expansion within 10 %', () => {
    const s = doped('YTOS');
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(expected('YTOS').n_atoms);
    expect(sc.matrix).toEqual(expected('YTOS').matrix);
    expect(sc.minImageDistance).toBeCloseTo(expected('YTOS').min_image_distance, 3);
    // written as doped writes it: a, b along x, y; the third vector the body centring (a/2, a/2, c/2)
    const [a, c] = [11.270724 / 3, 22.839319];
    const lattice = sc.structure.lattice.matrix;
    [[3 * a, 0, 0], [0, 3 * a, 0], [a / 2, a / 2, c / 2]].forEach((row, i) => row.forEach((v, j) => expect(lattice[i][j]).toBeCloseTo(v, 6)));
    expectSupercellOf(s, sc);
  });

  it('ZnS from a non-diagonal 64-atom input: 3×3×3 primitive cells, 54 atoms, 11.51 Å', () => {
    const s = doped('ZnS');
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(54);
    expect(sc.matrix).toEqual(expected('ZnS').matrix);
    expect(sc.minImageDistance).toBeCloseTo(expected('ZnS').min_image_distance, 2);
    expectSupercellOf(s, sc);
  });

  it('AgCu: 64 atoms, 10.211 Å', () => {
    const s = doped('AgCu');
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(expected('AgCu').n_atoms);
    expect(sc.minImageDistance).toBeCloseTo(expected('AgCu').min_image_distance, 3);
    expectSupercellOf(s, sc);
  });

  it('LiGa5O8-like (a 56-atom simple cubic cell, a = 8.2141 Å): the √2 expansion, 112 atoms, 11.6165 Å', () => {
    // doped's test_liga5o8: P4_332 with a cubic primitive cell. Only the lattice and the atom count
    // decide the supercell, so any 56 atoms on that lattice stand in for the real ones.
    const a = 8.2141;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const s: Structure = {
      lattice: { matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]] },
      species: Array.from({ length: 56 }, (_, i) => (i < 4 ? 'Li' : i < 24 ? 'Ga' : 'O')),
      fracCoords: Array.from({ length: 56 }, () => [random(), random(), random()] as Vec3),
    };
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(112);
    expect(sc.minImageDistance).toBeCloseTo(11.6165, 3);
    expectSupercellOf(s, sc);
  });
});

describe('the supercell basis', () => {
  // Bixbyite In2O3 (Ia-3, a = 10.117 Å): the best supercell is the conventional cube (80 atoms).
  const in2o3 = [
    'data_In2O3',
    "_symmetry_space_group_name_H-M 'I a -3'",
    '_cell_length_a 10.117', '_cell_length_b 10.117', '_cell_length_c 10.117',
    '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 90',
    'loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z',
    'In1 In 0.25 0.25 0.25', 'In2 In 0.4665 0 0.25', 'O1 O 0.3901 0.1548 0.3817',
  ].join('\n');

  it('is the input’s cube along x, y, z, not permuted or negated (In2O3)', () => {
    const s = readStructure(in2o3, { filename: 'In2O3.cif' }).structure;
    const sc = resolveSupercell(s, analyzeSymmetry(s), []);
    expect(sc.nSites).toBe(80);
    const a = 10.117;
    [[a, 0, 0], [0, a, 0], [0, 0, a]].forEach((row, i) => row.forEach((v, j) => expect(sc.structure.lattice.matrix[i][j]).toBeCloseTo(v, 9)));
    expectSupercellOf(s, sc);
  });

  it('is right-handed with a non-negative diagonal for every fixture', () => {
    for (const name of Object.keys(reference.structures)) {
      const s = fixture(name);
      const m = resolveSupercell(s, analyzeSymmetry(s), []).structure.lattice.matrix;
      expect(det(m), name).toBeGreaterThan(0);
      expect(Math.min(m[0][0], m[1][1], m[2][2]), name).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('explicit supercells (relative to the input cell)', () => {
  const s = fixture('CdTe.cif');
  const a = analyzeSymmetry(s);

  it('expands n×n×n', () => {
    const sc = resolveSupercell(s, a, [2]);
    expect(sc).toMatchObject({ base: 'input', matrix: [[2, 0, 0], [0, 2, 0], [0, 0, 2]], nSites: 64, diagonal: true, warnings: [] });
    expect(sc.minImageDistance).toBeCloseTo(13, 9);
    expectSupercellOf(s, sc);
  });

  it('warns when images come closer than the minimum image distance', () => {
    const sc = resolveSupercell(s, a, [1, 1, 2]);
    expect(sc.nSites).toBe(16);
    expect(sc.minImageDistance).toBeCloseTo(6.5, 9);
    expect(sc.warnings).toEqual([expect.stringMatching(/minimum image distance is 6\.500 Å, below 10 Å/)]);
  });

  it('takes a 3×3 matrix', () => {
    // rows (0,a,a), (a,0,a), (a,a,0): an FCC arrangement of cubes, shortest vector a√2
    const sc = resolveSupercell(s, a, [[0, 1, 1], [1, 0, 1], [1, 1, 0]]);
    expect(sc.nSites).toBe(16);
    expect(sc.diagonal).toBe(false);
    expect(sc.minImageDistance).toBeCloseTo(6.5 * Math.SQRT2, 9);
    expectSupercellOf(s, sc);
  });

  it.each([
    [[[1, 0, 0], [0, 1, 0], [1, 1, 0]], /determinant 0; it must be positive/],
    [[[0, 1, 0], [1, 0, 0], [0, 0, 1]], /determinant -1; it must be positive/],
    [[2, 2], /expected \[\] \(automatic\), \[n\], \[a, b, c\] or a 3×3 integer matrix/],
    [[1.5], /every entry must be an integer/],
    [[0], /expansion factors must be positive/],
    [[[1, 0], [0, 1]], /expected \[\] \(automatic\)/],
  ])('refuses %j', (spec, message) => {
    expect(() => resolveSupercell(s, a, spec)).toThrow(SupercellError);
    expect(() => resolveSupercell(s, a, spec)).toThrow(message);
  });

  it('refuses more atoms than the limit, naming the count and the limit', () => {
    expect(resolveSupercell(s, a, [5]).nSites).toBe(1000);
    expect(() => resolveSupercell(s, a, [6])).toThrow(/supercell \[\[6,0,0\],\[0,6,0\],\[0,0,6\]\] would have 1728 atoms, more than the limit of 1000/);
    expect(() => resolveSupercell(s, a, [2], { maxAtoms: 63 })).toThrow(/64 atoms, more than the limit of 63/);
  });
});

describe('supercell lattice points', () => {
  it('puts a matrix in Hermite normal form without changing its lattice', () => {
    const m: IntMatrix = [[2, 1, -1], [0, 3, 1], [1, 1, 2]];
    const h = hermiteNormalForm(m);
    expect(integerDeterminant(h)).toBe(integerDeterminant(m));
    expect(h[1][0]).toBe(0);
    expect(h[2][0]).toBe(0);
    expect(h[2][1]).toBe(0);
    // each row of m is an integer combination of the rows of h
    const inv = inverse(h as Mat3);
    for (const row of m) for (const v of vecmat(row as Vec3, inv)) expect(Math.abs(v - Math.round(v))).toBeLessThan(1e-9);
  });

  it('lists det(M) lattice points, none two equal modulo the supercell', () => {
    const m: IntMatrix = [[1, -1, 0], [1, 1, 0], [0, 1, 3]];
    const points = latticePointsInSupercell(m);
    expect(points).toHaveLength(6);
    const inv = inverse(m as Mat3);
    const keys = points.map((p) => vecmat(p, inv).map((v) => Math.round((v - Math.floor(v + 1e-9)) * 1e6)).join(','));
    expect(new Set(keys).size).toBe(6);
  });
});
