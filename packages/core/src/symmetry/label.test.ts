import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Lattice } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from './analyze.ts';
import { equivalentPositions, fixedWyckoffPositions, labelPoint, symmetrizePoint } from './label.ts';
import { coincide } from './orbit.ts';

const FIXTURES = new URL('../../../../fixtures/structures/', import.meta.url);

function fixture(name: string): Structure {
  return readStructure(readFileSync(new URL(name, FIXTURES), 'utf8'), { filename: name }).structure;
}

/** Whether two point sets are equal modulo lattice translations. */
function sameSet(lattice: Lattice, a: Vec3[], b: Vec3[]): boolean {
  return a.length === b.length && a.every((p) => b.some((q) => coincide(lattice, p, q, 1e-6)));
}

const F: Vec3[] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
const withF = (p: Vec3): Vec3[] => F.map((t) => [p[0] + t[0], p[1] + t[1], p[2] + t[2]] as Vec3);

describe('labelPoint', () => {
  const cdte = fixture('CdTe.cif');
  const cdteAnalysis = analyzeSymmetry(cdte);

  it.each([
    // doped's CdTe interstitials: Cd_i_Td_Te2.83 (4b), Cd_i_Td_Cd2.83 (4d), Cd_i_C3v (16e)
    [[0.5, 0.5, 0.5], '4b', '-43m', 'Td', 4],
    [[0.75, 0.75, 0.75], '4d', '-43m', 'Td', 4],
    [[0.625, 0.625, 0.625], '16e', '.3m', 'C3v', 16],
  ] as [Vec3, string, string, string, number][])('labels %j in CdTe as %s', (point, wyckoff, siteSymmetry, pointGroup, multiplicity) => {
    expect(labelPoint(cdte, cdteAnalysis, point)).toEqual({ wyckoff, siteSymmetry, pointGroup, multiplicity, conventionalFracCoords: point });
  });

  it('reports a 16e point by its representative on the diagonal, whichever image it is given', () => {
    // (0.625, 0.625, 0.625) turned by the twofold axis along z, then moved by the centring (½, ½, 0)
    const label = labelPoint(cdte, cdteAnalysis, [0.875, 0.875, 0.625]);
    expect(label.wyckoff).toBe('16e');
    expect(label.conventionalFracCoords).toEqual([0.625, 0.625, 0.625]);
  });

  it('labels a general point with the general position', () => {
    expect(labelPoint(cdte, cdteAnalysis, [0.1, 0.2, 0.35])).toMatchObject({ wyckoff: '96i', pointGroup: 'C1', multiplicity: 96 });
  });

  it('moves a point within symprec of a special position onto it', () => {
    // 0.0065 Å off the threefold axis, inside symprec = 0.01 Å
    const off: Vec3 = [0.626, 0.624, 0.625];
    expect(symmetrizePoint(cdteAnalysis, off)).toEqual([0.625, 0.625, 0.625]);
    expect(labelPoint(cdte, cdteAnalysis, off)).toMatchObject({ wyckoff: '16e', pointGroup: 'C3v', multiplicity: 16 });
  });

  it('labels the octahedral and tetrahedral holes of BCC iron (6b D4h, 12d D2d)', () => {
    const fe = fixture('Fe-bcc.vasp');
    const a = analyzeSymmetry(fe);
    expect(labelPoint(fe, a, [0.5, 0.5, 0])).toMatchObject({ wyckoff: '6b', pointGroup: 'D4h', multiplicity: 6 });
    expect(labelPoint(fe, a, [0.5, 0.25, 0])).toMatchObject({ wyckoff: '12d', pointGroup: 'D2d', multiplicity: 12 });
  });

  it('labels the tetrahedral hole of rock salt MgO as 8c Td, as doped does', () => {
    const mgo = fixture('MgO.json');
    expect(labelPoint(mgo, analyzeSymmetry(mgo), [0.25, 0.25, 0.25])).toMatchObject({ wyckoff: '8c', pointGroup: 'Td', multiplicity: 8 });
  });

  it('gives the same labels in a primitive CdTe cell', () => {
    const h = 6.5407 / 2;
    const prim: Structure = {
      lattice: { matrix: [[0, h, h], [h, 0, h], [h, h, 0]] },
      species: ['Cd', 'Te'],
      fracCoords: [[0, 0, 0], [0.25, 0.25, 0.25]],
    };
    const a = analyzeSymmetry(prim);
    // primitive fractional (t, t, t) is the Cartesian point (2t·h)(1, 1, 1), i.e. conventional (t, t, t)
    expect(labelPoint(prim, a, [0.5, 0.5, 0.5])).toMatchObject({ wyckoff: '4b', pointGroup: 'Td', multiplicity: 1 });
    expect(labelPoint(prim, a, [0.75, 0.75, 0.75])).toMatchObject({ wyckoff: '4d', pointGroup: 'Td', multiplicity: 1 });
    expect(labelPoint(prim, a, [0.625, 0.625, 0.625])).toEqual({
      wyckoff: '16e',
      siteSymmetry: '.3m',
      pointGroup: 'C3v',
      multiplicity: 4,
      conventionalFracCoords: [0.625, 0.625, 0.625],
    });
  });
});

describe('equivalentPositions', () => {
  it('gives the four 4b points of the CdTe cube', () => {
    const s = fixture('CdTe.cif');
    const orbit = equivalentPositions(analyzeSymmetry(s), [0.5, 0.5, 0.5]);
    expect(sameSet(s.lattice, orbit, withF([0.5, 0.5, 0.5]))).toBe(true);
  });

  it('gives the six octahedral holes of the BCC cube, wrapped into [0, 1)', () => {
    const s = fixture('Fe-bcc.vasp');
    const orbit = equivalentPositions(analyzeSymmetry(s), [0.5, 0.5, 0]);
    const expected: Vec3[] = [[0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]];
    expect(sameSet(s.lattice, orbit, expected)).toBe(true);
    for (const p of orbit) for (const v of p) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('fixedWyckoffPositions', () => {
  it('lists 4a, 4b, 4c and 4d of CdTe at their places in the input cell', () => {
    const s = fixture('CdTe.cif');
    const a = analyzeSymmetry(s);
    const fixed = fixedWyckoffPositions(s, a);
    expect(fixed.map((f) => [f.label.wyckoff, f.label.pointGroup, f.label.multiplicity])).toEqual([
      ['4a', 'Td', 4],
      ['4b', 'Td', 4],
      ['4c', 'Td', 4],
      ['4d', 'Td', 4],
    ]);
    const places: Vec3[] = [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.75, 0.75, 0.75]];
    fixed.forEach((f, i) => {
      expect(sameSet(s.lattice, equivalentPositions(a, f.fracCoords), withF(places[i]))).toBe(true);
      expect(f.label.conventionalFracCoords).toEqual(places[i]);
    });
  });

  it('lists the octahedral 6b and tetrahedral 12d holes of BCC iron', () => {
    const s = fixture('Fe-bcc.vasp');
    const a = analyzeSymmetry(s);
    const fixed = fixedWyckoffPositions(s, a);
    expect(fixed.map((f) => [f.label.wyckoff, f.label.pointGroup, f.label.multiplicity])).toEqual([
      ['2a', 'Oh', 2],
      ['6b', 'D4h', 6],
      ['8c', 'D3d', 8],
      ['12d', 'D2d', 12],
    ]);
    const octahedral = fixed[1].fracCoords;
    expect(equivalentPositions(a, octahedral).some((p) => coincide(s.lattice, p, [0.5, 0.5, 0], 1e-6))).toBe(true);
    const tetrahedral = fixed[3].fracCoords;
    expect(equivalentPositions(a, tetrahedral).some((p) => coincide(s.lattice, p, [0.5, 0.25, 0], 1e-6))).toBe(true);
  });

  it('counts positions in the primitive cell of silicon', () => {
    const s = fixture('Si.vasp');
    const fixed = fixedWyckoffPositions(s, analyzeSymmetry(s));
    // Fd-3m: 8 lattice-centred copies per conventional cell become 2 per primitive cell, and so on
    expect(fixed.map((f) => [f.label.wyckoff, f.label.multiplicity])).toEqual([
      ['8a', 2],
      ['8b', 2],
      ['16c', 4],
      ['16d', 4],
    ]);
  });
});
