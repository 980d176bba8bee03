import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { periodicDistance } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import { generate, prepareHost } from '../generate.ts';
import { readStructure } from '../io/read.ts';
import { answerFiles, describeAnswerFiles, safeDirectoryName, summarizeAnswer } from './files.ts';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures');
const input = { content: readFileSync(join(FIXTURES, 'structures', 'CdTe.cif'), 'utf8'), filename: 'CdTe.cif' };
const request = { dopant_elements: ['Mg'], output_formats: ['poscar', 'cif', 'pymatgen', 'extxyz'] as ('poscar' | 'cif' | 'pymatgen' | 'extxyz')[], max_candidates: 50 };
const answer = generate(input, request);
const host = prepareHost(input, request).supercell.structure;

const gram = (s: Structure) => s.lattice.matrix.map((u) => s.lattice.matrix.map((v) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2]));

/**
 * Same lattice up to a rotation (CIF has no frame: readers put a along x), compared through the
 * metric tensor, and every site of one matched by a site of the other with the same element
 * within 1e-4 Å (fractional coordinates do not depend on the frame).
 */
function expectSameStructure(a: Structure, b: Structure, label: string) {
  const ga = gram(a);
  const gb = gram(b);
  ga.forEach((row, i) => row.forEach((x, j) => expect(x, label).toBeCloseTo(gb[i][j], 4)));
  expect(a.species.length, label).toBe(b.species.length);
  const used = new Set<number>();
  a.fracCoords.forEach((f, i) => {
    const j = b.fracCoords.findIndex((g, k) => !used.has(k) && b.species[k] === a.species[i] && periodicDistance(a.lattice, f, g) < 1e-4);
    expect(j, `${label}: ${a.species[i]} at ${f.join(',')}`).toBeGreaterThanOrEqual(0);
    used.add(j);
  });
}

/** The host supercell with the candidate's defect applied at its reported position. */
function expectedStructure(c: (typeof answer.candidates)[number]): Structure {
  const at = (f: Vec3) => periodicDistance(host.lattice, f, c.frac_coords) < 1e-6;
  const species = [...host.species];
  const fracCoords = [...host.fracCoords];
  if (c.defect_type === 'interstitial') {
    species.push(c.species!);
    fracCoords.push(c.frac_coords);
    return { lattice: host.lattice, species, fracCoords };
  }
  const site = fracCoords.findIndex(at);
  expect(host.species[site]).toBe(c.host_species);
  if (c.defect_type === 'vacancy') {
    species.splice(site, 1);
    fracCoords.splice(site, 1);
  } else species[site] = c.species!;
  return { lattice: host.lattice, species, fracCoords };
}

describe('answer files', () => {
  const files = answerFiles(answer);

  it('writes the bulk’s folder, one folder per candidate with every requested format, and a manifest', () => {
    expect(files.at(-1)!.path).toBe('manifest.json');
    const formats = ['POSCAR', 'structure.cif', 'structure.json', 'structure.extxyz'];
    for (const dir of ['bulk', ...answer.candidates.map((c) => c.name)]) {
      for (const f of formats) expect(files.some((x) => x.path === `${dir}/${f}`), `${dir}/${f}`).toBe(true);
    }
    expect(files).toHaveLength((answer.candidates.length + 1) * 4 + 1);
    const manifest = JSON.parse(files.at(-1)!.content);
    expect(manifest.candidates[0].files).toEqual(formats.map((f) => `${answer.candidates[0].name}/${f}`));
    expect(manifest.candidates[0].structures).toBeUndefined();
    expect(manifest.bulk).toEqual({ formula: 'Cd27Te27', n_atoms: 54, files: formats.map((f) => `bulk/${f}`) });
    // Without vasp the entries are listed, with no folders of their own.
    expect(manifest.entries).toHaveLength(answer.entries.length);
    expect(manifest.entries.every((e: { files: string[] }) => e.files.length === 0)).toBe(true);
  });

  it('re-read, the bulk is the host supercell', () => {
    for (const f of files.filter((x) => x.path.startsWith('bulk/'))) expectSameStructure(readStructure(f.content, { filename: f.path.split('/')[1] }).structure, host, f.path);
  });

  it('re-read with readStructure, every format gives the host supercell with exactly the reported defect', () => {
    for (const c of answer.candidates) {
      const expected = expectedStructure(c);
      for (const f of files.filter((x) => x.path.startsWith(`${c.name}/`))) {
        const read = readStructure(f.content, { filename: f.path.split('/')[1] });
        expectSameStructure(read.structure, expected, f.path);
      }
    }
  });

  it('keeps names usable as folder names', () => {
    expect(safeDirectoryName('Cd_i_Td_Te2.81')).toBe('Cd_i_Td_Te2.81');
    expect(safeDirectoryName('../x')).toBe('.._x');
    expect(safeDirectoryName('..')).toBe('_');
  });
});

describe('the report format', () => {
  const render = (a: typeof answer) => `<html>${a.candidates.length}</html>`;

  it('adds report.html, rendered by the caller, beside the structure files', () => {
    const withReport = generate(input, { ...request, output_formats: ['cif', 'report'] });
    const files = answerFiles(withReport, { renderReport: render });
    expect(files.filter((f) => f.path === 'report.html').map((f) => f.content)).toEqual([`<html>${withReport.candidates.length}</html>`]);
    expect(files.filter((f) => f.path.endsWith('/structure.cif')).map((f) => f.path)).toEqual([
      'bulk/structure.cif',
      ...withReport.candidates.map((c) => `${c.name}/structure.cif`),
    ]);
    expect(files.some((f) => f.path.endsWith('/POSCAR'))).toBe(false);
    expect(answerFiles(answer, { renderReport: render }).some((f) => f.path === 'report.html')).toBe(false);
  });

  it('asked for alone, brings POSCARs into the answer for the page but writes no structure files', () => {
    const alone = generate(input, { ...request, output_formats: ['report'] });
    expect(alone.candidates.every((c) => Object.keys(c.structures).join() === 'poscar')).toBe(true);
    expect(answerFiles(alone, { renderReport: render }).map((f) => f.path)).toEqual(['report.html', 'manifest.json']);
  });

  it('refuses to drop the page silently when no renderer is given', () => {
    const withReport = generate(input, { ...request, output_formats: ['report'] });
    expect(() => answerFiles(withReport)).toThrow(/report renderer/);
  });
});

describe('describeAnswerFiles', () => {
  const small = { defect_types: ['vacancy'] as 'vacancy'[] };
  const cases: [string[], string][] = [
    [['poscar', 'cif'], 'bulk/ (the pristine supercell: POSCAR, structure.cif), one folder per candidate (<name>/: POSCAR, structure.cif) and manifest.json'],
    [['vasp'], 'bulk/ (the pristine supercell: POSCAR, INCAR, KPOINTS, POTCAR.spec), one VASP input folder per defect entry (<entry>/ such as v_Cd_+1/: POSCAR, INCAR, KPOINTS, POTCAR.spec) and manifest.json'],
    [['report'], 'report.html (the result page) and manifest.json'],
    [
      ['extxyz', 'vasp', 'report'],
      'bulk/ (the pristine supercell: structure.extxyz, POSCAR, INCAR, KPOINTS, POTCAR.spec), one folder per candidate (<name>/: structure.extxyz), ' +
        'one VASP input folder per defect entry (<entry>/ such as v_Cd_+1/: POSCAR, INCAR, KPOINTS, POTCAR.spec), report.html (the result page) and manifest.json',
    ],
  ];
  for (const [formats, words] of cases) {
    it(`says what ${formats.join(', ')} lays out, and only that`, () => {
      const a = generate(input, { ...small, output_formats: formats as ('poscar' | 'vasp')[] });
      expect(describeAnswerFiles(a)).toBe(words);
      // The words against the files themselves: the folders and file names they mention are those written.
      const paths = answerFiles(a, { renderReport: () => '' }).map((f) => f.path);
      const top = new Set(paths.map((p) => p.split('/')[0]));
      expect(top.has('bulk'), 'bulk/').toBe(words.includes('bulk/'));
      expect(a.candidates.some((c) => top.has(c.name)), 'candidate folders').toBe(words.includes('one folder per candidate'));
      expect(a.entries.every((e) => top.has(e.name)), 'entry folders').toBe(words.includes('per defect entry'));
      expect(top.has('report.html'), 'report.html').toBe(words.includes('report.html'));
      for (const name of new Set(paths.filter((p) => p.includes('/')).map((p) => p.split('/')[1]))) expect(words, name).toContain(name);
    });
  }
});

describe('summarizeAnswer', () => {
  it('drops every candidate’s and the bulk’s structures and nothing else', () => {
    const summary = summarizeAnswer(answer);
    expect(summary.candidates.every((c) => !('structures' in c))).toBe(true);
    expect(summary.bulk).toEqual({ formula: answer.bulk.formula, n_atoms: answer.bulk.n_atoms });
    expect(summary.entries).toEqual(answer.entries);
    expect(summary.candidates.map((c) => c.name)).toEqual(answer.candidates.map((c) => c.name));
    expect(summary.groups).toEqual(answer.groups);
    expect(JSON.stringify(summary).length).toBeLessThan(JSON.stringify(answer).length / 10);
  });
});
