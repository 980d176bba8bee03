import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { det, type Mat3 } from '../base/linalg.ts';
import { generate } from '../generate.ts';
import { answerFiles } from '../output/files.ts';
import type { DefectRequestInput } from '../request.ts';
import { readPoscarAsPymatgen } from '../../../../test/support/pymatgen-poscar.ts';
import { lmaxmix } from './incar.ts';
import { autoKpar, gammaMesh } from './kpoints.ts';
import { DEFAULT_POTCARS, valenceElectrons } from './potcars.ts';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures');
const cdteCif = readFileSync(join(FIXTURES, 'structures', 'CdTe.cif'), 'utf8');
// doped's CdTe is a = 6.5407 Å; the fixture is 6.5 Å.
const dopedCdTe = { content: cdteCif.replaceAll('6.50000000', '6.54070000'), filename: 'CdTe.cif' };

/** An INCAR read as pymatgen's `Incar.from_str` reads it: comments cut at '#', `TAG = value` per line. */
function incarTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = (raw.includes('#') ? raw.slice(0, raw.indexOf('#')) : raw).trim();
    const m = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (m) tags[m[1]] = m[2].trim();
  }
  return tags;
}

const filesOf = (request: DefectRequestInput, input = dopedCdTe) => {
  const answer = generate(input, request);
  const files = new Map(answerFiles(answer).map((f) => [f.path, f.content]));
  return { answer, files, get: (path: string) => files.get(path) ?? expect.unreachable(`no ${path}`) };
};

describe('CdTe at a = 6.5407 Å with the default supercell (doped’s published case)', () => {
  const { answer, files, get } = filesOf({ output_formats: ['vasp'] });

  it('writes the bulk supercell: 54 atoms, 27 Cd and 27 Te', () => {
    const bulk = readPoscarAsPymatgen(get('bulk/POSCAR'));
    expect(bulk.species).toHaveLength(54);
    expect(bulk.symbols).toEqual(['Cd', 'Te']);
    expect(bulk.counts).toEqual([27, 27]);
    expect(answer.bulk).toMatchObject({ formula: 'Cd27Te27', n_atoms: 54 });
    expect(get('bulk/POTCAR.spec')).toBe('Cd\nTe\n');
  });

  it('sets NELECT of v_Cd_-2 to the bulk’s valence electrons minus Cd’s ZVAL plus 2: 476', () => {
    // 27·12 + 27·6 = 486 in the bulk; a Cd vacancy removes 12; charge −2 adds two electrons.
    expect(incarTags(get('v_Cd_-2/INCAR')).NELECT).toBe('476');
    expect(answer.entries.find((e) => e.name === 'v_Cd_-2')).toMatchObject({ candidate: 'v_Cd', charge: -2, nelect: 476, nupdown: 0 });
  });

  it('sets NUPDOWN by the parity of the electron count, and NELECT only for charged supercells, as doped does', () => {
    expect(incarTags(get('v_Cd_-1/INCAR'))).toMatchObject({ NELECT: '475', NUPDOWN: '1' });
    const neutral = incarTags(get('v_Cd_0/INCAR'));
    expect(neutral.NUPDOWN).toBe('0');
    expect(neutral.NELECT).toBeUndefined();
    for (const e of answer.entries) {
      expect(e.nupdown, e.name).toBe(e.nelect! % 2);
      const tags = incarTags(get(`${e.name}/INCAR`));
      expect(tags.NUPDOWN, e.name).toBe(String(e.nupdown));
      expect(tags.NELECT, e.name).toBe(e.charge === 0 ? undefined : String(e.nelect));
    }
  });

  it('uses doped’s defect relaxation tags: fixed cell, no symmetry, spin-polarised, PBEsol, Γ only', () => {
    const tags = incarTags(get('v_Cd_-2/INCAR'));
    expect(tags).toMatchObject({ ISIF: '2', ISYM: '0', ISPIN: '2', GGA: 'PS', EDIFF: '1e-05', EDIFFG: '-0.01', NSW: '200', IBRION: '2', LVHAR: 'True', ICORELEVEL: '0', ENCUT: '300' });
    expect(tags.LHFCALC).toBeUndefined();
    expect(tags.KPAR).toBeUndefined();
    expect(get('v_Cd_-2/KPOINTS').split('\n').slice(1, 4)).toEqual(['0', 'Gamma', '1 1 1']);
    // The bulk is the single-point reference: doped's singleshot settings.
    const bulk = incarTags(get('bulk/INCAR'));
    expect(bulk).toMatchObject({ NSW: '0', IBRION: '-1', EDIFF: '1e-06', NUPDOWN: '0' });
    expect(bulk.EDIFFG).toBeUndefined();
    expect(bulk.NELECT).toBeUndefined();
  });

  it('sets LMAXMIX = 4 in every folder, as doped’s CdTe INCARs (Cd has d electrons)', () => {
    for (const name of ['bulk', ...answer.entries.map((e) => e.name)]) expect(incarTags(get(`${name}/INCAR`)).LMAXMIX, name).toBe('4');
    expect(get('v_Cd_-2/INCAR')).toContain('LMAXMIX = 4  # pymatgen\'s DictSet rule (io/vasp/sets.py), as doped: d electrons (Te, Z > 20)');
  });

  it('writes one folder per entry, named as doped names them, and every POSCAR loads in pymatgen', () => {
    expect(answer.entries.length).toBe(answer.candidates.reduce((n, c) => n + c.charge_states.length, 0));
    expect(answer.entries.map((e) => e.name)).toEqual(expect.arrayContaining(['v_Cd_-2', 'v_Cd_+1', 'v_Te_0', 'Cd_i_C3v_+2', 'Te_Cd_0']));
    for (const e of answer.entries) {
      const candidate = answer.candidates.find((c) => c.id === e.candidate_id)!;
      expect(candidate.name).toBe(e.candidate);
      expect(e.name).toBe(`${candidate.name}_${e.charge > 0 ? '+' : ''}${e.charge}`);
      for (const f of ['POSCAR', 'INCAR', 'KPOINTS', 'POTCAR.spec']) expect(files.has(`${e.name}/${f}`), `${e.name}/${f}`).toBe(true);
      const poscar = readPoscarAsPymatgen(get(`${e.name}/POSCAR`));
      expect(poscar.species).toHaveLength(candidate.n_atoms);
      // doped's comment: the name without the charge, the approximate supercell coordinates, the charge.
      expect(poscar.comment).toMatch(new RegExp(`^${candidate.name.replace(/[.+]/g, '\\$&')} ~\\[\\d\\.\\d{4},\\d\\.\\d{4},\\d\\.\\d{4}\\] [+-]?\\d+$`));
      // Apart from the comment, the entry's POSCAR is the candidate's structure.
      expect(get(`${e.name}/POSCAR`).split('\n').slice(1)).toEqual(candidate.structures.poscar!.split('\n').slice(1));
      expect(get(`${e.name}/POTCAR.spec`)).toBe(`${poscar.symbols.map((s) => DEFAULT_POTCARS[s].symbol).join('\n')}\n`);
    }
    // vasp alone asks for no structure folders: the candidates' POSCARs live in the entries' folders.
    expect(files.has('v_Cd/POSCAR')).toBe(false);
  });

  it('matches the pinned fixture of the expected files', () => {
    const pinned = (name: string) => readFileSync(join(FIXTURES, 'vasp', 'CdTe', name), 'utf8');
    for (const name of ['v_Cd_-2/INCAR', 'v_Cd_-2/KPOINTS', 'v_Cd_-2/POTCAR.spec', 'bulk/INCAR', 'bulk/KPOINTS', 'bulk/POTCAR.spec']) expect(get(name), name).toBe(pinned(name));
    // POSCARs: line for line the same layout, elements and counts as the pinned files, and the same
    // cell volume (the numbers themselves depend on the supercell's basis, which may be chosen otherwise).
    for (const name of ['bulk/POSCAR', 'v_Cd_-2/POSCAR']) {
      const ours = readPoscarAsPymatgen(get(name));
      const theirs = readPoscarAsPymatgen(pinned(name));
      expect(ours.comment.replace(/~\[.*\]/, ''), name).toBe(theirs.comment.replace(/~\[.*\]/, ''));
      expect([ours.symbols, ours.counts, ours.species, ours.cartesian], name).toEqual([theirs.symbols, theirs.counts, theirs.species, theirs.cartesian]);
      expect(Math.abs(det(ours.lattice as Mat3)), name).toBeCloseTo(Math.abs(det(theirs.lattice as Mat3)), 6);
      const shape = (text: string) => text.split('\n').map((l) => l.replace(/~\[.*\]/, '').replace(/-?\d+\.\d+/g, 'x').replace(/\s+/g, ' ').trim());
      expect(shape(get(name)), name).toEqual(shape(pinned(name)));
    }
  });
});

describe('the pymatgen POSCAR rules the tests apply', () => {
  const good = readFileSync(join(FIXTURES, 'vasp', 'CdTe', 'bulk/POSCAR'), 'utf8');
  it('accept the pinned bulk POSCAR and refuse what pymatgen cannot read', () => {
    expect(readPoscarAsPymatgen(good).species).toHaveLength(54);
    const lines = good.split('\n');
    const broken = {
      'a blank line inside': [...lines.slice(0, 9), '', ...lines.slice(9)].join('\n'),
      'VASP 4 (no element line)': [...lines.slice(0, 5), ...lines.slice(6)].join('\n'),
      'an unknown element': good.replace(/^(\s*)Cd(\s+)Te/m, '$1Xx$2Te'),
      'counts that do not add up': good.replace(/^(\s*)27(\s+)27\s*$/m, '$127$228'),
      'a lattice line with two numbers': [...lines.slice(0, 2), lines[2].trim().split(/\s+/).slice(0, 2).join(' '), ...lines.slice(3)].join('\n'),
    };
    for (const [what, text] of Object.entries(broken)) expect(() => readPoscarAsPymatgen(text), what).toThrow();
  });
});

describe('options', () => {
  it('HSE06: doped’s HSESet on top (LHFCALC, AEXX 0.25, HFSCREEN 0.208, PRECFOCK Fast, GGA PE)', () => {
    const { get } = filesOf({ output_formats: ['vasp'], defect_types: ['vacancy'], vasp_settings: { functional: 'hse06' } });
    expect(incarTags(get('v_Cd_-2/INCAR'))).toMatchObject({ LHFCALC: 'True', AEXX: '0.25', HFSCREEN: '0.208', PRECFOCK: 'Fast', GGA: 'PE', NELECT: '476' });
  });

  it('a reciprocal-density mesh: 2×2×2 with KPAR 4 for 100 per Å⁻³, as doped’s vasp_std for this supercell', () => {
    const { get } = filesOf({ output_formats: ['vasp'], defect_types: ['vacancy'], vasp_settings: { reciprocal_density: 100 } });
    expect(get('v_Cd_-2/KPOINTS').split('\n').slice(1, 4)).toEqual(['0', 'Gamma', '2 2 2']);
    expect(incarTags(get('v_Cd_-2/INCAR')).KPAR).toBe('4');
    expect(incarTags(get('bulk/INCAR')).KPAR).toBe('4');
  });

  it('follows pymatgen’s automatic_density_by_vol and doped’s KPAR rule', () => {
    // 10 Å cube, one atom: kppa = 100·(2π)³/1000 = 24.8; mult = (24.8·1000)^⅓ = 29.2; 29.2/10 → 2.
    expect(gammaMesh([[10, 0, 0], [0, 10, 0], [0, 0, 10]], 1, 100)).toEqual([2, 2, 2]);
    // Anisotropic cell: more divisions along the short axis, never fewer than one.
    expect(gammaMesh([[4, 0, 0], [0, 4, 0], [0, 0, 40]], 2, 100)).toEqual([7, 7, 1]);
    expect([autoKpar([1, 1, 1]), autoKpar([2, 1, 1]), autoKpar([3, 3, 1]), autoKpar([4, 2, 1]), autoKpar([2, 2, 2])]).toEqual([null, 2, null, 4, 4]);
  });

  it('keeps structure folders when poscar is asked for too, and writes the bulk’s POSCAR once', () => {
    const { files } = filesOf({ output_formats: ['poscar', 'vasp'], defect_types: ['vacancy'] });
    expect(files.has('v_Cd/POSCAR')).toBe(true);
    expect([...files.keys()].filter((p) => p.startsWith('bulk/'))).toEqual(['bulk/POSCAR', 'bulk/INCAR', 'bulk/KPOINTS', 'bulk/POTCAR.spec']);
  });
});

describe('LMAXMIX, pymatgen’s rule: 6 with f electrons (Z > 56), else 4 with d electrons (Z > 20), else unset', () => {
  it('takes the heaviest element of the structure', () => {
    expect(lmaxmix(['Mg', 'O'])).toBeNull();
    expect(lmaxmix(['Ca', 'O'])).toBeNull(); // Z = 20: no d electrons
    expect(lmaxmix(['Sc', 'O'])).toEqual({ value: 4, element: 'Sc' }); // Z = 21
    expect(lmaxmix(['Ba', 'Ti', 'O'])).toEqual({ value: 4, element: 'Ba' }); // Z = 56: still 4
    expect(lmaxmix(['La', 'O'])).toEqual({ value: 6, element: 'La' }); // Z = 57
    expect(lmaxmix(['O', 'U', 'Fe'])).toEqual({ value: 6, element: 'U' });
  });

  it('is decided per folder: a dopant with f electrons gives its own entries 6, the bulk keeps 4', () => {
    const { answer, get } = filesOf({ output_formats: ['vasp'], defect_types: ['substitution'], dopant_elements: ['La'] });
    const la = answer.entries.find((e) => e.name.startsWith('La_Cd'))!;
    expect(incarTags(get(`${la.name}/INCAR`)).LMAXMIX).toBe('6');
    expect(incarTags(get('bulk/INCAR')).LMAXMIX).toBe('4');
  });

  it('is left out for light elements only (MgO)', () => {
    const mgo = { content: readFileSync(join(FIXTURES, 'structures', 'MgO.json'), 'utf8'), filename: 'MgO.json' };
    const { get } = filesOf({ output_formats: ['vasp'], defect_types: ['vacancy'] }, mgo);
    expect(incarTags(get('bulk/INCAR')).LMAXMIX).toBeUndefined();
    expect(incarTags(get('v_O_+2/INCAR')).LMAXMIX).toBeUndefined();
  });
});

describe('an element without a default POTCAR', () => {
  // α-Po: simple cubic, a = 3.345 Å. doped's PotcarSet lists no Po.
  const po = { content: JSON.stringify({ lattice: [[3.345, 0, 0], [0, 3.345, 0], [0, 0, 3.345]], species: ['Po'], frac_coords: [[0, 0, 0]] }), filename: 'Po.json' };

  it('still writes every folder, marks the element in POTCAR.spec, leaves nelect out and says so', () => {
    const { answer, get } = filesOf({ output_formats: ['vasp'], defect_types: ['vacancy', 'interstitial'] }, po);
    expect(answer.entries.length).toBeGreaterThan(0);
    for (const e of answer.entries) {
      expect(e.nelect, e.name).toBeUndefined();
      expect(e.nupdown, e.name).toBeUndefined();
      expect(get(`${e.name}/POTCAR.spec`)).toMatch(/^Po\s+# no default POTCAR/);
      const incar = get(`${e.name}/INCAR`);
      expect(incarTags(incar).NELECT).toBeUndefined();
      expect(incarTags(incar).NUPDOWN).toBeUndefined();
      expect(incar).toMatch(/no default POTCAR for Po/);
      readPoscarAsPymatgen(get(`${e.name}/POSCAR`));
    }
    expect(get('bulk/POTCAR.spec')).toMatch(/^Po\s+# no default POTCAR/);
    expect(answer.warnings.filter((w) => /no default POTCAR for Po\b/.test(w))).toHaveLength(1);
  });

  it('counts valence electrons only when every element has one', () => {
    expect(valenceElectrons(['Cd', 'Te', 'Te'])).toEqual({ electrons: 24, missing: [] });
    expect(valenceElectrons(['Cd', 'Po', 'Rn', 'Po'])).toEqual({ electrons: null, missing: ['Po', 'Rn'] });
  });
});
