import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StructureError } from '../base/errors.ts';
import { lengths, toCartesian, volume } from '../base/lattice.ts';
import { type Vec3, det, inverse, matvec, vecmat } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { readStructure } from '../io/read.ts';
import { buildSupercell } from '../supercell/build.ts';
import { analyzeSymmetry } from './analyze.ts';
import { labelPoint } from './label.ts';
import { applyOperation, coincide } from './orbit.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('reference.json', FIXTURES), 'utf8'));

function fixture(name: string): Structure {
  return readStructure(readFileSync(new URL(`structures/${name}`, FIXTURES), 'utf8'), { filename: name }).structure;
}

interface ReferenceOrbit {
  element: string;
  wyckoff: string;
  sites_in_input_cell: number;
}

describe('analyzeSymmetry on the fixtures', () => {
  const names = Object.keys(reference.structures);

  it('covers every fixture', () => {
    expect(names).toHaveLength(9);
  });

  describe.each(names)('%s', (name) => {
    const expected = reference.structures[name].symmetry;
    const structure = fixture(name);
    const analysis = analyzeSymmetry(structure);

    it('has the space group spglib finds', () => {
      expect(analysis.number).toBe(expected.spacegroup_number);
      expect(analysis.symbol).toBe(expected.spacegroup_symbol);
      expect(analysis.warnings).toEqual([]);
    });

    it('has the orbits and Wyckoff labels spglib finds', () => {
      const representatives = [...new Set(analysis.orbits)];
      expect(representatives).toHaveLength(expected.n_orbits);
      const ours = representatives
        .map((r) => ({
          element: structure.species[r],
          wyckoff: analysis.sites[r].wyckoff,
          sites_in_input_cell: analysis.orbits.filter((o) => o === r).length,
        }))
        .sort(byElementThenWyckoff);
      expect(ours).toEqual([...expected.orbits].sort(byElementThenWyckoff));
      for (const r of representatives) {
        const members = analysis.orbits.filter((o) => o === r).length;
        expect(analysis.sites[r].multiplicity).toBe(members);
      }
    });

    it('gives operations that map the structure onto itself: every primitive operation with every pure translation', () => {
      const { transformation, operations } = analysis.primitive;
      const toPrimitive = inverse(transformation);
      for (const op of operations) {
        for (const t of analysis.translations) {
          for (let i = 0; i < structure.species.length; i++) {
            const y = applyOperation(op, matvec(toPrimitive, structure.fracCoords[i]));
            const x = matvec(transformation, y);
            const image: Vec3 = [x[0] + t[0], x[1] + t[1], x[2] + t[2]];
            const hit = structure.fracCoords.some(
              (p, j) => structure.species[j] === structure.species[i] && coincide(structure.lattice, p, image, 1e-3),
            );
            expect(hit).toBe(true);
          }
        }
      }
    });

    it('gives the same labels for the same crystal in another cell', () => {
      const signature = (s: Structure) => {
        const a = analyzeSymmetry(s);
        return [...new Set(s.species.map((el, i) => `${el} ${a.sites[i].wyckoff} ${a.sites[i].pointGroup} ${a.sites[i].conventionalFracCoords.map((v) => v.toFixed(6))}`))].sort();
      };
      const expected = signature(structure);
      const m = structure.lattice.matrix;
      const cells: Structure[] = [
        analysis.primitive.structure,
        buildSupercell(structure, [[2, 0, 0], [0, 1, 0], [0, 0, 1]]).structure,
        buildSupercell(structure, [[1, 1, 0], [0, 1, 0], [0, 1, 1]]).structure,
        { ...structure, lattice: { matrix: [m[1], m[2], m[0]] }, fracCoords: structure.fracCoords.map((x) => [x[1], x[2], x[0]] as Vec3) },
      ];
      for (const cell of cells) expect(signature(cell)).toEqual(expected);
    });

    it('labels each atom as labelPoint labels its position', () => {
      structure.fracCoords.forEach((x, i) => {
        expect(labelPoint(structure, analysis, x)).toEqual(analysis.sites[i]);
      });
    });
  });

  it.each([
    // point-group order × lattice points per input cell
    ['CdTe.cif', 24 * 4],
    ['Cu.cif', 48 * 4],
    ['MgO.json', 48 * 4],
    ['Fe-bcc.vasp', 48 * 2],
    ['Si.vasp', 48],
    ['GaN.vasp', 12],
    ['SrTiO3.cif', 48],
    ['TiO2-rutile.cif', 16],
    ['Al2O3.cif', 12 * 3],
  ])('%s has %i operations in its input cell: point group × pure translations', (name, count) => {
    const a = analyzeSymmetry(fixture(name));
    expect(a.primitive.operations.length * a.translations.length).toBe(count);
  });
});

describe('conventional coordinates', () => {
  it('puts Cd at 4a (0,0,0) and Te at 4c (1/4,1/4,1/4), as doped reports for CdTe', () => {
    const s = fixture('CdTe.cif');
    const a = analyzeSymmetry(s);
    s.species.forEach((el, i) => {
      expect(a.sites[i]).toMatchObject(
        el === 'Cd'
          ? { wyckoff: '4a', siteSymmetry: '-43m', pointGroup: 'Td', multiplicity: 4, conventionalFracCoords: [0, 0, 0] }
          : { wyckoff: '4c', siteSymmetry: '-43m', pointGroup: 'Td', multiplicity: 4, conventionalFracCoords: [0.25, 0.25, 0.25] },
      );
    });
  });

  it('finds the labels doped publishes in primitive CdTe with Cd at the origin, Te listed first or second', () => {
    const h = 6.5407 / 2;
    const cell = (order: [number, number]): Structure => {
      const sites: [string, Vec3][] = [['Cd', [0, 0, 0]], ['Te', [0.25, 0.25, 0.25]]];
      return { lattice: { matrix: [[0, h, h], [h, 0, h], [h, h, 0]] }, species: order.map((i) => sites[i][0]), fracCoords: order.map((i) => sites[i][1]) };
    };
    const a = analyzeSymmetry(cell([0, 1]));
    expect(a.symbol).toBe('F-43m');
    expect(a.sites[0]).toEqual({ wyckoff: '4a', siteSymmetry: '-43m', pointGroup: 'Td', multiplicity: 1, conventionalFracCoords: [0, 0, 0] });
    expect(a.sites[1]).toEqual({ wyckoff: '4c', siteSymmetry: '-43m', pointGroup: 'Td', multiplicity: 1, conventionalFracCoords: [0.25, 0.25, 0.25] });
    // the conventional cell of an FCC primitive cell is the cube of edge 2h along x, y, z
    expect(lengths(a.conventional.lattice)).toEqual([expect.closeTo(2 * h, 9), expect.closeTo(2 * h, 9), expect.closeTo(2 * h, 9)]);
    expect(det(a.conventional.transformation)).toBeCloseTo(4, 9);
    a.conventional.lattice.matrix.forEach((row, k) => expect(row[k]).toBeCloseTo(2 * h, 9));
    const swapped = analyzeSymmetry(cell([1, 0]));
    expect(swapped.sites.map((l) => l.wyckoff)).toEqual(['4c', '4a']);
  });

  it('takes the origin nearest the file’s own, as spglib does in a standard setting: whichever atom is there gets 4a', () => {
    // spglib 2.0.2 on these three conventional cells: (Cd a, Te c), (Cd d, Te a), (Cd a, Te c).
    const cdte = fixture('CdTe.cif');
    const shifted = (shift: Vec3): Structure => ({ ...cdte, fracCoords: cdte.fracCoords.map((x) => x.map((v, k) => v + shift[k]) as Vec3) });
    const letters = (s: Structure) => analyzeSymmetry(s).sites.map((l) => l.wyckoff);
    expect(letters(cdte)).toEqual([...Array(4).fill('4a'), ...Array(4).fill('4c')]);
    expect(letters(shifted([-0.25, -0.25, -0.25]))).toEqual([...Array(4).fill('4d'), ...Array(4).fill('4a')]);
    expect(letters(shifted([0.37, 0.11, 0.52]))).toEqual([...Array(4).fill('4a'), ...Array(4).fill('4c')]);
  });

  it('does not depend on the order of the sites: rock salt listed oxygen first keeps Mg 4a, O 4b', () => {
    const mgo = fixture('MgO.json');
    const order = [4, 5, 6, 7, 0, 1, 2, 3];
    const swapped: Structure = { lattice: mgo.lattice, species: order.map((i) => mgo.species[i]), fracCoords: order.map((i) => mgo.fracCoords[i]) };
    const a = analyzeSymmetry(swapped);
    expect(a.sites.map((l) => `${l.wyckoff} ${l.pointGroup}`)).toEqual([...Array(4).fill('4b Oh'), ...Array(4).fill('4a Oh')]);
    expect(a.sites[4].conventionalFracCoords).toEqual([0, 0, 0]);
    expect(labelPoint(swapped, a, [0, 0, 0]).wyckoff).toBe('4a');
  });

  it('writes GaN in its hexagonal cell: 2b at (1/3, 2/3, z)', () => {
    const a = analyzeSymmetry(fixture('GaN.vasp'));
    expect(a.sites[0].conventionalFracCoords).toEqual([1 / 3, 2 / 3, 0]);
    expect(a.sites[2].conventionalFracCoords[0]).toBeCloseTo(1 / 3, 12);
    expect(a.sites[2].conventionalFracCoords[2]).toBeCloseTo(0.377, 9);
  });

  it('gives rutile O as 4f (x, x, 0) with x = 0.305', () => {
    const a = analyzeSymmetry(fixture('TiO2-rutile.cif'));
    const o = a.sites[2];
    expect(o.wyckoff).toBe('4f');
    expect(o.pointGroup).toBe('C2v');
    expect(o.conventionalFracCoords[0]).toBeCloseTo(0.305, 9);
    expect(o.conventionalFracCoords[1]).toBeCloseTo(0.305, 9);
    expect(o.conventionalFracCoords[2]).toBe(0);
  });
});

describe('tolerance and species', () => {
  it('warns when a P1 result hides a higher symmetry at 0.1 Å, keeping the tolerance asked for', () => {
    const s = fixture('SrTiO3.cif');
    // displacements of at most 0.03 Å: beyond 0.01 Å, well within 0.1 Å
    const shifts: Vec3[] = [[0, 0, 0], [0.02, 0, 0], [0, 0.03, 0], [0, 0, -0.025], [0.015, 0.015, 0]];
    const p1: Structure = { ...s, fracCoords: s.fracCoords.map((x, i) => x.map((v, k) => v + shifts[i][k] / 3.905) as Vec3) };
    const b = analyzeSymmetry(p1);
    expect(b.number).toBe(1);
    expect(b.symprec).toBe(0.01);
    expect(b.warnings).toHaveLength(2);
    expect(b.warnings[0]).toMatch(/no symmetry beyond P1 holds within symprec 0\.01 Å/);
    expect(b.warnings[1]).toMatch(/P1 at symprec 0\.01 Å but Pm-3m \(No\. 221\) at 0\.1 Å/);
    expect(b.sensitivity.map((e) => [e.symprec, e.symbol])).toEqual([[0.001, 'P1'], [0.01, 'P1'], [0.1, 'Pm-3m']]);
  });

  it('treats equal elements with different oxidation states as different species', () => {
    // rock salt with both sublattices Na: as one species it is simple cubic with half the edge
    const s: Structure = {
      lattice: { matrix: [[5.6, 0, 0], [0, 5.6, 0], [0, 0, 5.6]] },
      species: ['Na', 'Na', 'Na', 'Na', 'Na', 'Na', 'Na', 'Na'],
      fracCoords: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0], [0.5, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]],
    };
    expect(analyzeSymmetry(s).symbol).toBe('Pm-3m');
    const decorated = analyzeSymmetry({ ...s, oxidationStates: [1, 1, 1, 1, -1, -1, -1, -1] });
    expect(decorated.symbol).toBe('Fm-3m');
    expect(decorated.sites.map((l) => l.wyckoff)).toEqual(['4a', '4a', '4a', '4a', '4b', '4b', '4b', '4b']);
  });

  it('refuses a symprec that is not a positive number', () => {
    expect(() => analyzeSymmetry(fixture('Cu.cif'), { symprec: 0 })).toThrow(StructureError);
    expect(() => analyzeSymmetry(fixture('Cu.cif'), { symprec: Number.NaN })).toThrow(/symprec must be a positive number/);
  });
});

describe('the primitive cell', () => {
  it('folds conventional CdTe into its two-atom cell without moving or rotating anything', () => {
    const s = fixture('CdTe.cif');
    const { structure: p, parentSites, siteOf } = analyzeSymmetry(s).primitive;
    expect(p.species).toEqual(['Cd', 'Te']);
    expect(parentSites).toEqual([0, 4]);
    expect(siteOf).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(volume(p.lattice)).toBeCloseTo(6.5 ** 3 / 4, 9);
    for (const l of lengths(p.lattice)) expect(l).toBeCloseTo(6.5 / Math.SQRT2, 9);
    // each atom keeps its Cartesian position, up to a lattice vector of the primitive cell
    const back = inverse(p.lattice.matrix);
    p.fracCoords.forEach((x, k) => {
      const c = toCartesian(p.lattice, x);
      const original = toCartesian(s.lattice, s.fracCoords[parentSites[k]]);
      const n = vecmat([c[0] - original[0], c[1] - original[1], c[2] - original[2]], back);
      for (const v of n) expect(Math.abs(v - Math.round(v))).toBeLessThan(1e-9);
    });
  });

  it('keeps a cell that is already primitive', () => {
    const s = fixture('GaN.vasp');
    const a = analyzeSymmetry(s);
    expect(a.primitive.structure.species).toHaveLength(4);
    expect(a.translations).toEqual([[0, 0, 0]]);
    expect(volume(a.primitive.structure.lattice)).toBeCloseTo(volume(s.lattice), 9);
  });
});

function byElementThenWyckoff(a: ReferenceOrbit, b: ReferenceOrbit): number {
  return a.element === b.element ? a.wyckoff.localeCompare(b.wyckoff) : a.element.localeCompare(b.element);
}
