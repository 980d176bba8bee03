import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { readStructure } from '../io/read.ts';
import { analyzeSymmetry } from './analyze.ts';

/**
 * The inputs of issue 11, each standing for a kind of fault of the old symmetry layer: a supercell
 * whose lattice is less symmetric than its crystal (doped's ZnS), a slightly distorted host near
 * moyo's tolerance edge (Mg3Sb2), and Wyckoff letters that followed the order of species (CdTe).
 */
const FIXTURES = new URL('../../../../fixtures/', import.meta.url);
const text = (path: string) => readFileSync(new URL(path, FIXTURES), 'utf8');
const structureOf = (path: string) => readStructure(text(path), { filename: path.split('/').pop() }).structure;
const UNCAPPED = { max_candidates: 200, max_candidates_per_type: 100 };

interface DopedDefect {
  name: string;
  type: string;
  wyckoff: string;
  host: string | null;
  species: string;
  equiv_input_frac_coords: number[][];
}
const dopedExpected = (material: string) => JSON.parse(text(`doped/${material}.expected.json`)) as { defects: DopedDefect[]; space_group: { number: number } };
const byType = (a: DefectAnswer, type: string) => a.candidates.filter((c) => c.defect_type === type);

describe("doped's ZnS: a 64-atom non-diagonal supercell whose lattice is less symmetric than the crystal", () => {
  const expected = dopedExpected('ZnS');
  const answer = generate({ content: text('doped/ZnS.vasp'), filename: 'ZnS.vasp' }, UNCAPPED);

  it('finds F-43m with 32 pure translations: 24 operations per primitive cell, 768 in the input cell', () => {
    const a = analyzeSymmetry(structureOf('doped/ZnS.vasp'));
    expect(a.number).toBe(expected.space_group.number);
    expect(a.translations).toHaveLength(32);
    expect(a.primitive.operations).toHaveLength(24);
    expect(a.primitive.structure.species.sort()).toEqual(['S', 'Zn']);
  });

  it('gives the three interstitial sites once each, 16e, 4b and 4d, with the orbit sizes of doped’s equiv_input_frac_coords', () => {
    const ours = byType(answer, 'interstitial').filter((c) => c.species === 'Zn');
    const theirs = expected.defects.filter((d) => d.type === 'interstitial' && d.species === 'Zn');
    expect(ours.map((c) => `${c.name} ${c.wyckoff} ${c.multiplicity}`).sort()).toEqual(
      theirs.map((d) => `${d.name} ${d.wyckoff} ${d.equiv_input_frac_coords.length}`).sort(),
    );
    expect(ours.map((c) => c.multiplicity).sort((x, y) => x - y)).toEqual([32, 32, 128]);
  });

  it('keeps its vacancies and antisites: 4a and 4c, 32 each', () => {
    for (const type of ['vacancy', 'substitution']) {
      const ours = byType(answer, type).map((c) => `${c.name} ${c.wyckoff} ${c.multiplicity}`).sort();
      const theirs = expected.defects.filter((d) => d.type === type).map((d) => `${d.name} ${d.wyckoff} ${d.equiv_input_frac_coords.length}`).sort();
      expect(ours).toEqual(theirs);
    }
  });
});

describe('mg3sb2-distorted.vasp: a slightly distorted host in a non-standard cell', () => {
  const expected = JSON.parse(text('cases/mg3sb2-distorted.expected.json'));

  it('is P-3m1 (164) at symprec 0.01 Å, as spglib, pymatgen and doped say, though moyo alone says C2/m there', () => {
    const a = analyzeSymmetry(structureOf('cases/mg3sb2-distorted.vasp'), { symprec: 0.01 });
    expect(a.number).toBe(expected.spacegroup);
    expect(a.symprec).toBe(0.01);
    expect(a.tried).toEqual([
      { symprec: 0.01, number: 12, symbol: 'C2/m', holds: true },
      { symprec: 0.02, number: 164, symbol: 'P-3m1', holds: true },
      { symprec: 0.005, number: 12, symbol: 'C2/m', holds: true },
    ]);
    const letters: Record<string, string[]> = {};
    a.orbits.forEach((rep, i) => {
      if (rep !== i) return;
      const el = a.primitive.structure.species[a.primitive.siteOf[i]];
      (letters[el] ??= []).push(a.sites[i].wyckoff);
    });
    for (const el of Object.keys(letters)) letters[el].sort();
    expect(letters).toEqual(expected.wyckoff);
  });

  it('gives 3 vacancies and 3 antisites named with the D3d and C3v point groups', () => {
    const a = generate({ content: text('cases/mg3sb2-distorted.vasp'), filename: 'mg3sb2-distorted.vasp' }, { defect_types: ['vacancy', 'substitution'], ...UNCAPPED });
    expect(a.host.space_group).toMatchObject({ number: 164, symbol: 'P-3m1', symprec: 0.01 });
    expect(a.host.space_group.tried.map((t) => `${t.symprec} ${t.symbol} ${t.holds}`)).toEqual(['0.01 C2/m true', '0.02 P-3m1 true', '0.005 C2/m true']);
    expect(a.host.symmetry_sensitivity.map((e) => e.symbol)).toEqual(['P-1', 'P-3m1', 'P-3m1']);
    expect(byType(a, 'vacancy').map((c) => c.name).sort()).toEqual(['v_Mg_C3v', 'v_Mg_D3d', 'v_Sb']);
    expect(byType(a, 'vacancy')).toHaveLength(expected.n_vacancies);
    expect(byType(a, 'substitution').map((c) => c.name).sort()).toEqual(['Mg_Sb', 'Sb_Mg_C3v', 'Sb_Mg_D3d']);
    expect(byType(a, 'substitution')).toHaveLength(expected.n_antisites);
  });

  it('reports the group at 0.001, 0.01 and 0.1 Å: P-1 well below the tolerance, P-3m1 from it on', () => {
    const a = analyzeSymmetry(structureOf('cases/mg3sb2-distorted.vasp'));
    expect(a.sensitivity).toEqual([
      { symprec: 0.001, number: 2, symbol: 'P-1' },
      { symprec: 0.01, number: 164, symbol: 'P-3m1' },
      { symprec: 0.1, number: 164, symbol: 'P-3m1' },
    ]);
  });
});

describe('cdte-anion-listed-first.vasp: Te listed before Cd, same coordinates', () => {
  const expected = JSON.parse(text('cases/cdte-anion-listed-first.expected.json'));

  it('gives Cd 4a and Te 4c, as the Cd-first file and doped do', () => {
    const a = generate({ content: text('cases/cdte-anion-listed-first.vasp'), filename: 'cdte-anion-listed-first.vasp' }, { defect_types: ['vacancy'] });
    expect(a.host.space_group.number).toBe(expected.spacegroup);
    const letters = Object.fromEntries(a.host.sites.map((s) => [s.element, [s.wyckoff]]));
    expect(letters).toEqual(expected.wyckoff);
    expect(byType(a, 'vacancy').map((c) => `${c.name} ${c.wyckoff}`).sort()).toEqual(['v_Cd 4a', 'v_Te 4c']);
    expect(byType(a, 'vacancy')).toHaveLength(expected.n_vacancies);
  });
});

describe("doped's expected tables: Wyckoff letters and orbit sizes of every lattice site", () => {
  it.each(['Ag2Se', 'AgCu', 'Sb2Si2Te6', 'YTOS', 'ZnS'])('%s', (material) => {
    const expected = dopedExpected(material);
    const a = analyzeSymmetry(structureOf(`doped/${material}.vasp`));
    expect(a.number).toBe(expected.space_group.number);
    const ours = a.orbits
      .map((rep, i) => ({ rep, i }))
      .filter(({ rep, i }) => rep === i)
      .map(({ i }) => `${a.primitive.structure.species[a.primitive.siteOf[i]]} ${a.sites[i].wyckoff} ${a.sites[i].multiplicity}`)
      .sort();
    const theirs = expected.defects
      .filter((d) => d.type === 'vacancy')
      .map((d) => `${d.host} ${d.wyckoff} ${d.equiv_input_frac_coords.length}`)
      .sort();
    expect(ours).toEqual(theirs);
  });
});

describe('bad input', () => {
  it('refuses a pure translation that cannot tell two sites of different species apart, naming both', () => {
    // Na at 0 and ½ along a doubled cell, each with a K 0.6 Å away: at symprec 0.8 Å the translation
    // (½, 0, 0) carries site 1 within the tolerance of both the second Na and the second K.
    const a = 5.6;
    const d = 0.6 / (2 * a);
    const s = {
      lattice: { matrix: [[2 * a, 0, 0], [0, a, 0], [0, 0, a]] as [[number, number, number], [number, number, number], [number, number, number]] },
      species: ['Na', 'Na', 'K', 'K'],
      fracCoords: [[0, 0, 0], [0.5, 0, 0], [d, 0, 0], [0.5 + d, 0, 0]] as [number, number, number][],
    };
    expect(() => analyzeSymmetry(s, { symprec: 0.8 })).toThrow(/carries site 1 within the symmetry tolerance of both site 2 \(Na\) and site 4 \(K\)/);
    expect(analyzeSymmetry(s, { symprec: 0.1 }).translations).toEqual([[0, 0, 0], [0.5, 0, 0]]);
  });

  it('answers P1 with a warning for a structure without symmetry', () => {
    const s = {
      lattice: { matrix: [[4.1, 0.2, 0.3], [0.1, 5.3, 0.4], [0.2, 0.1, 6.7]] as [[number, number, number], [number, number, number], [number, number, number]] },
      species: ['Na', 'Cl', 'K'],
      fracCoords: [[0.01, 0.02, 0.03], [0.41, 0.37, 0.52], [0.77, 0.19, 0.88]] as [number, number, number][],
    };
    const a = analyzeSymmetry(s);
    expect(a.symbol).toBe('P1');
    expect(a.warnings[0]).toMatch(/no symmetry beyond P1 holds within symprec 0\.01 Å/);
    expect(a.sites.map((l) => l.wyckoff)).toEqual(['1a', '1a', '1a']);
  });
});
