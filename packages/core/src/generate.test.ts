import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StructureError, SupercellError, RequestError } from './base/errors.ts';
import { periodicDistance } from './base/lattice.ts';
import type { Mat3, Vec3 } from './base/linalg.ts';
import type { DefectAnswer } from './defects/types.ts';
import { readStructure } from './io/read.ts';
import { generate, prepareHost } from './generate.ts';
import type { DefectRequestInput } from './request.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const reference = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as {
  structures: Record<string, RefStructure>;
};
interface RefStructure {
  n_sites: number;
  symmetry: { spacegroup_number: number; orbits: { element: string; wyckoff: string; sites_in_input_cell: number }[] };
  pymatgen_analysis_defects: { vacancies: string[]; vacancy_multiplicities: number[]; antisites: string[]; substitutions: string[]; dopant: string };
  doped?: { defects?: { name: string; wyckoff: string; conv_coords?: number[]; charges?: number[] }[]; extrinsic_Se?: string };
}

const read = (file: string) => ({ content: readFileSync(join(FIXTURES, 'structures', file), 'utf8'), filename: file });
const run = (file: string, request: DefectRequestInput) => generate(read(file), request);
const names = (a: DefectAnswer, type: string) => a.candidates.filter((c) => c.defect_type === type).map((c) => c.name);
const LATTICE_SITE_TYPES: DefectRequestInput = { defect_types: ['vacancy', 'substitution'], max_candidates: 200, max_candidates_per_type: 100 };

describe('vacancies and substitutions of every fixture match pymatgen-analysis-defects', () => {
  for (const [file, ref] of Object.entries(reference.structures)) {
    it(file, () => {
      const pad = ref.pymatgen_analysis_defects;
      const answer = run(file, { ...LATTICE_SITE_TYPES, dopant_elements: [pad.dopant] });
      const vacancies = answer.candidates.filter((c) => c.defect_type === 'vacancy');
      const byName = new Map(vacancies.map((v) => [v.name, v]));
      expect([...byName.keys()].sort()).toEqual([...pad.vacancies].sort());
      // reference.json sorts the vacancy names but keeps the multiplicities in generation order (SrTiO3: v_O, v_Sr, v_Ti
      // with 1, 1, 3): compare them as multisets; the per-element check against spglib's orbits follows below.
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      expect(sorted(vacancies.map((v) => v.multiplicity))).toEqual(sorted(pad.vacancy_multiplicities));

      const subs = answer.candidates.filter((c) => c.defect_type === 'substitution');
      expect(subs.filter((c) => c.group === 'substitution').map((c) => c.name).sort()).toEqual([...pad.antisites].sort());
      expect(subs.filter((c) => c.group === `substitution:${pad.dopant}`).map((c) => c.name).sort()).toEqual([...pad.substitutions].sort());

      // Wyckoff labels and orbit sizes of the vacancies are spglib's.
      for (const orbit of ref.symmetry.orbits) {
        const v = byName.get(`v_${orbit.element}`)!;
        expect(v.wyckoff).toBe(orbit.wyckoff);
        expect(v.multiplicity).toBe(orbit.sites_in_input_cell);
      }
      expect(answer.host.space_group.number).toBe(ref.symmetry.spacegroup_number);
    });
  }
});

describe('CdTe matches doped', () => {
  const doped = reference.structures['CdTe.cif'].doped!;
  // doped's published table is for a = 6.5407 Å; neighbour distances in interstitial names depend on it.
  const cdte = read('CdTe.cif');
  const dopedCdTe = { content: cdte.content.replaceAll('6.50000000', '6.54070000'), filename: 'CdTe.cif' };
  const answer = generate(dopedCdTe, { max_candidates: 200, max_candidates_per_type: 100 });

  it('has doped’s names, Wyckoff labels, conventional coordinates and charge states', () => {
    expect(answer.candidates.map((c) => c.name).sort()).toEqual(doped.defects!.map((d) => d.name).sort());
    for (const d of doped.defects!) {
      const c = answer.candidates.find((x) => x.name === d.name)!;
      expect(c.wyckoff, d.name).toBe(d.wyckoff);
      expect(c.charge_states, d.name).toEqual(d.charges);
      expect(c.conventional_cell_frac_coords, d.name).toEqual(d.conv_coords);
    }
  });

  it('uses doped’s default supercell: 3x3x3 primitive cells, 54 atoms, 13.875 Å between images', () => {
    expect(answer.supercell.n_atoms).toBe(54);
    expect(answer.supercell.min_image_distance).toBeCloseTo(13.875, 2);
  });

  it('adds doped’s extrinsic Se defects and charge states', () => {
    const se = generate(dopedCdTe, { dopant_elements: ['Se'], max_candidates: 200, max_candidates_per_type: 100 });
    const charges = (name: string) => se.candidates.find((c) => c.name === name)?.charge_states;
    // reference.json: Se_Cd [+2..-4] 4a, Se_Te [+1,0] 4c, Se_i at the three sites [0,-1,-2]; 68 entries in all.
    expect(charges('Se_Cd')).toEqual([2, 1, 0, -1, -2, -3, -4]);
    expect(se.candidates.find((c) => c.name === 'Se_Cd')!.wyckoff).toBe('4a');
    expect(charges('Se_Te')).toEqual([1, 0]);
    expect(se.candidates.find((c) => c.name === 'Se_Te')!.wyckoff).toBe('4c');
    const seI = se.candidates.filter((c) => c.group === 'interstitial:Se');
    expect(seI).toHaveLength(3);
    for (const c of seI) expect(c.charge_states).toEqual([0, -1, -2]);
    expect(se.candidates.reduce((n, c) => n + c.charge_states.length, 0)).toBe(68);
  });

  it('places each defect at the equivalent site nearest the supercell centre', () => {
    // 3x3x3 primitive supercell: Cd sits at multiples of 1/3; (1/3,1/3,1/3) and (2/3,2/3,2/3) tie
    // at sqrt(3)/6 from the centre and the smaller norm wins. Te sits at 1/12 + k/3: 5/12 is nearest.
    const at = (name: string) => answer.candidates.find((c) => c.name === name)!.frac_coords;
    expect(at('v_Cd').map((x) => x * 3)).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6), expect.closeTo(1, 6)]);
    expect(at('v_Te').map((x) => x * 12)).toEqual([expect.closeTo(5, 6), expect.closeTo(5, 6), expect.closeTo(5, 6)]);
  });

  it('reports the first neighbour shell: four Te at a·√3/4 around v_Cd', () => {
    const v = answer.candidates.find((c) => c.name === 'v_Cd')!;
    expect(v.nearest_neighbors).toEqual([{ element: 'Te', distance: expect.closeTo((6.5407 * Math.sqrt(3)) / 4, 3), count: 4 }]);
  });
});

describe('caps, round-robin and seeds', () => {
  it('keeps at most max_candidates_per_type per group and says how many it dropped', () => {
    const a = run('SrTiO3.cif', { defect_types: ['substitution'], max_candidates_per_type: 2 });
    const native = a.groups.find((g) => g.group === 'substitution')!;
    // Six native antisites in SrTiO3 (each of three elements on the two other orbits).
    expect(native).toMatchObject({ generated: 6, emitted: 2, dropped: 4, dropped_by: { max_candidates_per_type: 4, max_candidates: 0 } });
    // Ranked by orbit order: the Sr site (first in the file) comes first.
    expect(names(a, 'substitution')).toEqual(['Ti_Sr', 'O_Sr']);
  });

  // Cubic BaTiO3 (a = 4.0 Å), doped with La and Nb, as users dope it.
  const batio3 = {
    content: JSON.stringify({ lattice: [[4, 0, 0], [0, 4, 0], [0, 0, 4]], species: ['Ba', 'Ti', 'O', 'O', 'O'], frac_coords: [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]] }),
    filename: 'BaTiO3.json',
  };
  const capWarnings = (a: DefectAnswer) => a.warnings.filter((w) => / dropped \d+ /.test(w));

  it('warns when the caps drop symmetry-distinct defects: counts per group, the names, and how to get them all', () => {
    const a = generate(batio3, { dopant_elements: ['La', 'Nb'] });
    expect(a.candidates).toHaveLength(24);
    expect(capWarnings(a)).toEqual([
      'max_candidates (24) dropped 1 symmetry-distinct candidate: interstitial: 5 of 6 emitted, dropped O_i_C3v. ' +
        'Ask for max_candidates 200 and max_candidates_per_type 100 to get them all.',
    ]);
    // The native antisites on O rank last in their group (orbit order: Ba, Ti, O): a per-type cap drops them first, La_O stays.
    const b = generate(batio3, { dopant_elements: ['La'], max_candidates_per_type: 4 });
    expect(capWarnings(b)[0]).toMatch(/^max_candidates_per_type \(4\) dropped \d+ symmetry-distinct candidates: substitution: 4 of 6 emitted, dropped Ba_O, Ti_O; /);
    expect(b.candidates.map((c) => c.name)).toContain('La_O');
    const all = generate(batio3, { dopant_elements: ['La', 'Nb'], max_candidates: 200, max_candidates_per_type: 100 });
    expect(all.candidates).toHaveLength(25);
    expect(capWarnings(all)).toEqual([]);
  });

  it('fills round-robin across groups so every group is represented before any gets a second slot', () => {
    const a = run('SrTiO3.cif', { defect_types: ['vacancy', 'substitution'], dopant_elements: ['Mg', 'Ca'], max_candidates: 5 });
    expect(a.candidates.map((c) => c.group)).toEqual(['vacancy', 'vacancy', 'substitution', 'substitution:Mg', 'substitution:Ca']);
    expect(a.groups.map((g) => [g.group, g.generated, g.emitted, g.dropped_by.max_candidates])).toEqual([
      ['vacancy', 3, 2, 1],
      ['substitution', 6, 1, 5],
      ['substitution:Mg', 3, 1, 2],
      ['substitution:Ca', 3, 1, 2],
    ]);
    const three = run('SrTiO3.cif', { defect_types: ['vacancy', 'substitution'], dopant_elements: ['Mg', 'Ca'], max_candidates: 3 });
    expect(three.candidates.map((c) => c.group)).toEqual(['vacancy', 'substitution', 'substitution:Mg']);
    expect(three.groups.find((g) => g.group === 'substitution:Ca')!.reason).toMatch(/max_candidates \(3\)/);
  });

  it('makes one candidate per supercell site when deduplication is off', () => {
    const a = run('CdTe.cif', { defect_types: ['vacancy'], dedupe_symmetry: false, max_candidates: 200, max_candidates_per_type: 100 });
    // 54-atom supercell: 27 Cd and 27 Te vacancies.
    expect(a.candidates).toHaveLength(54);
    expect(new Set(a.candidates.map((c) => c.name)).size).toBe(54);
    expect(new Set(a.candidates.map((c) => c.id)).size).toBe(54);
    expect(a.candidates.filter((c) => c.host_species === 'Cd')).toHaveLength(27);
  });

  it('lets the seed choose the kept sites when deduplication is off, reproducibly', () => {
    const req = (seed: number): DefectRequestInput => ({ defect_types: ['vacancy'], dedupe_symmetry: false, max_candidates_per_type: 6, random_seed: seed });
    const ids = (seed: number) => run('CdTe.cif', req(seed)).candidates.map((c) => c.id);
    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
    // Orbits are interleaved, so a capped group still holds both Cd and Te vacancies.
    const a = run('CdTe.cif', req(3));
    expect(a.candidates.map((c) => c.host_species)).toEqual(['Cd', 'Te', 'Cd', 'Te', 'Cd', 'Te']);
  });

  it('does not let the seed change anything when deduplication is on', () => {
    const a = JSON.stringify(run('TiO2-rutile.cif', { random_seed: 1, defect_types: ['vacancy', 'substitution'], dopant_elements: ['Mg'] }));
    const b = JSON.stringify(run('TiO2-rutile.cif', { random_seed: 99, defect_types: ['vacancy', 'substitution'], dopant_elements: ['Mg'] }));
    expect(a.replace('"random_seed":1', '')).toBe(b.replace('"random_seed":99', ''));
  });

  it('gives a byte-identical answer for the same request', () => {
    const req: DefectRequestInput = { dopant_elements: ['Mg'], output_formats: ['poscar', 'cif', 'pymatgen', 'extxyz'], random_seed: 5, dedupe_symmetry: false };
    expect(JSON.stringify(run('GaN.vasp', req))).toBe(JSON.stringify(run('GaN.vasp', req)));
  });
});

describe('a host whose oxidation states cannot be found', () => {
  // Rock-salt "OsO": Os has no bond-valence parameters and no ICSD entries, its one common state (+4)
  // does not balance O2-, and O is no metal: no oxidation states, so every defect gets -1, 0, +1.
  const poscar = ['OsO', '1.0', '0 2.2 2.2', '2.2 0 2.2', '2.2 2.2 0', 'Os O', '1 1', 'Direct', '0 0 0', '0.5 0.5 0.5'].join('\n');
  const answer = generate({ content: poscar, filename: 'POSCAR' }, { dopant_elements: ['Mg'] });

  it('says so, with a warning, and gives every defect -1, 0, +1', () => {
    expect(answer.host.oxidation_state_method).toBe('none');
    expect(answer.host.oxidation_states).toEqual({});
    expect(answer.host.sites.map((s) => s.oxidation_state)).toEqual([null, null]);
    expect(answer.warnings.some((w) => w.includes('no charge-balanced oxidation states found for Os-O'))).toBe(true);
    expect(answer.candidates.length).toBeGreaterThan(4);
    for (const c of answer.candidates) expect(c.charge_states, c.name).toEqual([1, 0, -1]);
  });
});

describe('host.sites', () => {
  // An input may write a site of the cell at 1, 2 or -1e-12 instead of 0: the answer gives every
  // site within [0, 1), the same whichever image the file names (YTOS wrote O 2a at 1, 1, 0).
  const poscar = (shifts: number[][]) =>
    ['OsO', '1.0', '0 2.2 2.2', '2.2 0 2.2', '2.2 2.2 0', 'Os O', '1 1', 'Direct', ...[[0, 0, 0], [0.5, 0.5, 0.5]].map((p, i) => p.map((x, k) => String(x + shifts[i][k])).join(' '))].join('\n');
  const image = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(-1e-12, 1e-12, 1 - 1e-12, -1 + 1e-12));

  it('wraps their coordinates into [0, 1)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(image, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 2 }), (shifts) => {
        const answer = generate({ content: poscar(shifts), filename: 'POSCAR' }, { defect_types: ['vacancy'] });
        expect(answer.host.sites.map((s) => [s.element, s.frac_coords])).toEqual([
          ['Os', [0, 0, 0]],
          ['O', [0.5, 0.5, 0.5]],
        ]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('the answer', () => {
  const answer = run('MgO.json', { defect_types: ['vacancy', 'substitution'], dopant_elements: ['Ca', 'Mg'] });

  it('describes host, supercell and resolved parameters', () => {
    expect(answer.host).toMatchObject({ formula: 'MgO', space_group: { number: 225, symbol: 'Fm-3m' }, oxidation_states: { Mg: 2, O: -2 }, oxidation_state_method: 'bond_valence' });
    expect(answer.host.sites.map((s) => [s.element, s.wyckoff, s.oxidation_state])).toEqual([
      ['Mg', '4a', 2],
      ['O', '4b', -2],
    ]);
    expect(answer.parameters).toMatchObject({ max_candidates: 24, max_candidates_per_type: 8, symprec: 0.01, output_formats: ['poscar', 'pymatgen'] });
    expect(answer.supercell.min_image_distance).toBeGreaterThanOrEqual(10);
    expect(answer.version).toBe(JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')).version);
  });

  it('warns that a host element given as dopant adds nothing', () => {
    expect(answer.warnings.some((w) => w.includes('dopant Mg is a host element'))).toBe(true);
    expect(answer.groups.map((g) => g.group)).toEqual(['vacancy', 'substitution', 'substitution:Ca']);
  });

  it('warns when interstitial sites are given without interstitials', () => {
    const a = run('Si.vasp', { defect_types: ['vacancy'], interstitial_sites: [[0.5, 0.5, 0.5]] });
    expect(a.warnings).toContain('interstitial_sites were given but interstitials were not requested (defect_types): the sites were not used');
  });

  it('carries every documented field on each candidate', () => {
    const c = answer.candidates.find((x) => x.name === 'Ca_Mg')!;
    expect(c).toMatchObject({ defect_type: 'substitution', species: 'Ca', host_species: 'Mg', wyckoff: '4a', point_group: 'Oh', multiplicity: 4, charge_states: [1, 0, -1] });
    expect(c.id).toMatch(/^[0-9a-f]{16}$/);
    expect(c.supercell_multiplicity).toBe(answer.supercell.n_atoms / 2);
    expect(c.n_atoms).toBe(answer.supercell.n_atoms);
    expect(Object.keys(c.structures).sort()).toEqual(['poscar', 'pymatgen']);
    const v = answer.candidates.find((x) => x.name === 'v_O')!;
    expect(v.n_atoms).toBe(answer.supercell.n_atoms - 1);
    expect(v.species).toBeNull();
  });

  it('gives the bulk supercell in the requested formats and one entry per candidate and charge state', () => {
    expect(answer.bulk.formula).toBe('Mg48O48');
    expect(answer.bulk.n_atoms).toBe(answer.supercell.n_atoms);
    expect(Object.keys(answer.bulk.structures).sort()).toEqual(['poscar', 'pymatgen']);
    const expected = answer.candidates.flatMap((c) => c.charge_states.map((q) => ({ name: `${c.name}_${q > 0 ? '+' : ''}${q}`, candidate_id: c.id, candidate: c.name, charge: q })));
    expect(answer.entries.map(({ name, candidate_id, candidate, charge }) => ({ name, candidate_id, candidate, charge }))).toEqual(expected);
    // MgO with Mg (ZVAL 2) and O (6): v_O in charge +2 has 48·2 + 47·6 − 2 = 376 electrons.
    expect(answer.entries.find((e) => e.name === 'v_O_+2')).toMatchObject({ nelect: 376, nupdown: 0 });
  });

  it('adds POSCAR to the structures when vasp is asked for, and warns about vasp_settings without vasp', () => {
    const a = run('Si.vasp', { defect_types: ['vacancy'], output_formats: ['cif', 'vasp'] });
    expect(Object.keys(a.candidates[0].structures).sort()).toEqual(['cif', 'poscar']);
    expect(Object.keys(a.bulk.structures).sort()).toEqual(['cif', 'poscar']);
    const b = run('Si.vasp', { defect_types: ['vacancy'], vasp_settings: { functional: 'hse06' } });
    expect(b.warnings).toContain('vasp_settings were given but vasp was not requested (output_formats): the settings were not used');
  });

  it('resolves vasp_settings in the parameters whether vasp or settings are asked for or not, warning only of settings given in vain', () => {
    const unused = 'vasp_settings were given but vasp was not requested (output_formats): the settings were not used';
    const defaults = { functional: 'pbesol', reciprocal_density: null };
    const cases: [Record<string, unknown>, object, boolean][] = [
      [{ output_formats: ['vasp'] }, defaults, false],
      [{ output_formats: ['poscar'] }, defaults, false],
      [{ output_formats: ['poscar'], vasp_settings: {} }, defaults, false],
      [{ output_formats: ['vasp'], vasp_settings: { reciprocal_density: 100 } }, { functional: 'pbesol', reciprocal_density: 100 }, false],
      [{ output_formats: ['poscar'], vasp_settings: { reciprocal_density: 100 } }, { functional: 'pbesol', reciprocal_density: 100 }, true],
    ];
    for (const [request, settings, warned] of cases) {
      const a = run('Si.vasp', { defect_types: ['vacancy'], ...request });
      expect(a.parameters.vasp_settings, JSON.stringify(request)).toEqual(settings);
      expect(a.warnings.includes(unused), JSON.stringify(request)).toBe(warned);
      // The stored parameters give the same answer again (the worker re-runs from them).
      expect(run('Si.vasp', a.parameters).warnings).toEqual(a.warnings);
    }
  });

  it('reports progress through every stage up to 100 %', () => {
    const seen: string[] = [];
    let last = -1;
    generate(read('Si.vasp'), {}, { onProgress: (stage, percent) => {
      if (seen.at(-1) !== stage) seen.push(stage);
      expect(percent).toBeGreaterThanOrEqual(last);
      last = percent;
    } });
    expect(seen).toEqual(['read', 'symmetry', 'supercell', 'vacancies', 'substitutions', 'interstitials', 'writing']);
    expect(last).toBe(100);
  });
});

describe('bad input', () => {
  it('refuses bad structures before generating anything', () => {
    const bad = (file: string) => ({ content: readFileSync(join(FIXTURES, 'bad', file), 'utf8'), filename: file });
    for (const file of ['disordered.cif', 'truncated.vasp', 'overlapping-atoms.vasp', 'unknown-element.json', 'singular-lattice.vasp', 'not-a-structure.txt']) {
      expect(() => prepareHost(bad(file), {}), file).toThrow(StructureError);
    }
  });

  it('refuses supercells over the caller’s atom limit', () => {
    expect(() => prepareHost(read('CdTe.cif'), { supercell: [10, 10, 10] }, { maxAtoms: 500 })).toThrow(SupercellError);
  });

  /** n×n×m iron atoms on a 2.5 Å simple-cubic grid: a valid structure whose primitive cell has one atom. */
  const ironGrid = (n: number, m = n) => {
    const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * m}`, 'Fe', String(n * n * m), 'Direct'];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) lines.push(`${i / n} ${j / n} ${k / m}`);
    return { content: lines.join('\n'), format: 'poscar' as const };
  };

  it('refuses an input cell over maxInputAtoms before analysing its symmetry, in every supercell mode', () => {
    const input = ironGrid(11, 10);
    const stages: string[] = [];
    const identity = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    for (const supercell of [[], [1], identity] as DefectRequestInput['supercell'][]) {
      let error: unknown;
      try {
        generate(input, { supercell }, { maxInputAtoms: 1000, onProgress: (stage) => stages.push(stage) });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(supercell)).toBeInstanceOf(StructureError);
      expect((error as StructureError).message).toBe(
        'the input cell has 1210 atoms, more than the limit of 1000 atoms per input cell: send a smaller cell (the primitive or conventional cell)',
      );
      expect((error as StructureError).code).toBe('too_many_atoms');
    }
    expect(stages).not.toContain('symmetry');
    expect(() => prepareHost(input, { supercell: [1] }, { maxInputAtoms: 1000 })).toThrow(/1210 atoms, more than the limit of 1000/);
  });

  it('builds the automatic supercell of an input larger than maxAtoms from its primitive cell; an explicit one stays refused', () => {
    // 1,210 atoms of a one-atom primitive cell: its automatic supercell is small.
    const input = ironGrid(11, 10);
    const host = prepareHost(input, { supercell: [] }, { maxAtoms: 1000 });
    expect(host.analysis.symbol).toBe('Pm-3m');
    expect(host.analysis.translations).toHaveLength(1210);
    expect(host.supercell.base).toBe('primitive');
    expect(host.supercell.nSites).toBeLessThanOrEqual(1000);
    expect(() => prepareHost(input, { supercell: [1] }, { maxAtoms: 1000 })).toThrow(SupercellError);
    expect(() => prepareHost(input, { supercell: [1] }, { maxAtoms: 1000 })).toThrow(/1210 atoms, more than the limit of 1000/);
  });

  it('accepts an input cell of exactly the input atom limit', () => {
    const grid = ironGrid(4);
    expect(prepareHost(grid, { supercell: [1] }, { maxInputAtoms: 64 }).supercell.nSites).toBe(64);
    expect(() => prepareHost(grid, { supercell: [1] }, { maxInputAtoms: 63 })).toThrow(/the input cell has 64 atoms, more than the limit of 63 /);
  });

  it('refuses bad requests with RequestError', () => {
    expect(() => generate(read('Si.vasp'), { max_candidates: 0 })).toThrow(RequestError);
  });
});

describe('host.symmetry_operations', () => {
  // The page of the `report` format draws the host cell and every interstitial orbit from these.
  const wrap = (x: number) => x - Math.floor(x);
  const images = (ops: DefectAnswer['host']['symmetry_operations'], x: number[]) =>
    ops.rotations.flatMap((r, i) =>
      ops.pure_translations.map((tau) => r.map((row, k) => wrap(row[0] * x[0] + row[1] * x[1] + row[2] * x[2] + ops.translations[i][k] + tau[k]))),
    );
  const distinct = (answer: DefectAnswer, points: number[][]) => {
    const lattice = { matrix: answer.host.lattice as Mat3 };
    const out: number[][] = [];
    for (const p of points) if (!out.some((q) => periodicDistance(lattice, p as Vec3, q as Vec3) < 1e-3)) out.push(p);
    return out;
  };

  // doped's ZnS: a 64-atom supercell (32 pure translations) whose lattice is less symmetric than
  // the crystal, so some operations are rational in its frame; Cu.cif: a conventional cell (4).
  const inputs = [...Object.keys(reference.structures).map((file) => read(file)), { content: readFileSync(join(FIXTURES, 'doped', 'ZnS.vasp'), 'utf8'), filename: 'ZnS.vasp' }];
  for (const { content, filename: file } of inputs) {
    it(`rebuild ${file}'s input cell from host.sites, and give each interstitial orbit its multiplicity`, () => {
      const answer = generate({ content, filename: file }, { max_candidates: 200, max_candidates_per_type: 100 });
      const input = readStructure(content, { filename: file }).structure;
      const ops = answer.host.symmetry_operations;
      expect(ops.rotations.length).toBe(ops.translations.length);
      expect(ops.rotations.length).toBeLessThanOrEqual(48);
      expect(ops.pure_translations[0]).toEqual([0, 0, 0]);
      if (file === 'ZnS.vasp') expect(ops.pure_translations).toHaveLength(32);
      const cell = answer.host.sites.flatMap((s) => distinct(answer, images(ops, s.frac_coords)).map((p) => ({ element: s.element, p })));
      expect(cell).toHaveLength(input.species.length);
      for (const [i, f] of input.fracCoords.entries()) {
        expect(cell.some((c) => c.element === input.species[i] && periodicDistance(input.lattice, c.p as Vec3, f) < 1e-3), `${input.species[i]} at ${f}`).toBe(true);
      }
      for (const c of answer.candidates.filter((x) => x.defect_type === 'interstitial')) {
        expect(distinct(answer, images(ops, c.unit_cell_frac_coords)), c.name).toHaveLength(c.multiplicity);
      }
    });
  }
});
