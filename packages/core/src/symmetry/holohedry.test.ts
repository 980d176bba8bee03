import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Lattice } from '../base/lattice.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from './analyze.ts';
import { moyoGroup } from './group-choice.ts';
import { holohedryBound } from './holohedry.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const read = (path: string) => readStructure(readFileSync(new URL(path, FIXTURES), 'utf8'), { filename: path.split('/').pop() }).structure;

/** A lattice from its parameters (Å, degrees), a along x and b in the xy plane. */
function lattice(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Lattice {
  const r = Math.PI / 180;
  const [ca, cb, cg, sg] = [Math.cos(alpha * r), Math.cos(beta * r), Math.cos(gamma * r), Math.sin(gamma * r)];
  const cy = (ca - cb * cg) / sg;
  return { matrix: [[a, 0, 0], [b * cg, b * sg, 0], [c * cb, c * cy, c * Math.sqrt(1 - cb * cb - cy * cy)]] };
}

describe('holohedryBound', () => {
  it.each([
    ['cubic', lattice(4, 4, 4, 90, 90, 90), 48],
    ['face-centred cubic, primitive cell', lattice(2.83, 2.83, 2.83, 60, 60, 60), 48],
    ['body-centred cubic, primitive cell', lattice(3, 3, 3, 109.4712206, 109.4712206, 109.4712206), 48],
    ['hexagonal', lattice(3, 3, 5, 90, 90, 120), 24],
    ['tetragonal', lattice(4, 4, 6, 90, 90, 90), 16],
    ['rhombohedral', lattice(5, 5, 5, 55, 55, 55), 12],
    ['orthorhombic', lattice(3, 4, 5, 90, 90, 90), 8],
    ['monoclinic', lattice(3, 4, 5, 90, 100, 90), 4],
    ['triclinic', lattice(3, 4, 5, 80, 100, 110), 2],
  ])('%s: the order of its point group', (_name, l, order) => {
    expect(holohedryBound(l, 0.02)).toBe(order);
  });

  it('grows with the tolerance: a tetragonal cell 0.01 Å off cubic is cubic within 0.02 Å, not within 0.005 Å', () => {
    const l = lattice(4, 4, 4.01, 90, 90, 90);
    expect(holohedryBound(l, 0.005)).toBe(16);
    expect(holohedryBound(l, 0.02)).toBe(48);
  });

  it('stops counting past the order asked about', () => {
    expect(holohedryBound(lattice(4, 4, 4, 90, 90, 90), 0.02, 12)).toBe(13);
  });
});

describe('skipping moyo at 2·symprec', () => {
  // Where the analysis asked moyo only at symprec, moyo at 2·symprec on the same primitive cell
  // finds no larger group: the skip never changes the answer or the borderline warning.
  const files = [
    ...readdirSync(new URL('structures/', FIXTURES)).map((f) => `structures/${f}`),
    ...readdirSync(new URL('doped/', FIXTURES))
      .filter((f) => f.endsWith('.vasp'))
      .map((f) => `doped/${f}`),
  ];
  it.each(files)('%s', (path) => {
    const analysis = analyzeSymmetry(read(path));
    const { primitive } = analysis;
    const types = primitive.structure.species.map((el) => [...new Set(primitive.structure.species)].indexOf(el));
    const double = moyoGroup(primitive.structure, types, 2 * analysis.symprec);
    if (analysis.tried.length === 1) expect(double?.operations.length ?? 0).toBeLessThanOrEqual(primitive.operations.length);
  });

  it('still asks where the point group could grow (GaN: 6mm in a 6/mmm lattice; doped’s ZnS: -43m in a cubic one)', () => {
    for (const path of ['structures/GaN.vasp', 'doped/ZnS.vasp']) {
      expect(analyzeSymmetry(read(path)).tried.map((t) => t.symprec)).toEqual([0.01, 0.02]);
    }
  });

  it('skips it where the point group fills the lattice’s (rutile 4/mmm, corundum -3m)', () => {
    for (const path of ['structures/TiO2-rutile.cif', 'structures/Al2O3.cif']) {
      expect(analyzeSymmetry(read(path)).tried.map((t) => t.symprec)).toEqual([0.01]);
    }
  });
});
