import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DefectAnswer } from './types.ts';
import { generate } from '../generate.ts';
import type { DefectRequestInput } from '../request.ts';

const STRUCTURES = new URL('../../../../fixtures/structures/', import.meta.url);
const fixture = (file: string) => ({ content: readFileSync(new URL(file, STRUCTURES), 'utf8'), filename: file });
const interstitials = (file: string | { content: string; filename: string }, request: DefectRequestInput = {}) =>
  generate(typeof file === 'string' ? fixture(file) : file, { defect_types: ['interstitial'], output_formats: ['poscar'], ...request });
const names = (a: DefectAnswer, group: string) => a.candidates.filter((c) => c.group === group).map((c) => c.name);

/** FCC with a = 2 Å (a made-up, tightly packed host): octahedral holes 1.0 Å, tetrahedral 0.866 Å from the atoms. */
const TIGHT_FCC = {
  filename: 'POSCAR',
  content: ['Al4', '1.0', '2 0 0', '0 2 0', '0 0 2', 'Al', '4', 'direct', '0 0 0', '0.5 0.5 0', '0.5 0 0.5', '0 0.5 0.5', ''].join('\n'),
};

describe('interstitial candidates', () => {
  it.each(readdirSync(STRUCTURES))('%s: every site once per equivalent position of the supercell', (file) => {
    // Images on the supercell's faces are met from both sides; GaN's 2a sites have one whose
    // coordinate in its 24-cell supercell lies on a rounding edge (x = 0.077875), which a
    // rounded-coordinate key counted twice.
    const a = interstitials(file, { max_candidates: 200, max_candidates_per_type: 100 });
    const cells = a.supercell.n_atoms / a.host.n_sites;
    for (const c of a.candidates) expect(c.supercell_multiplicity, c.name).toBe(c.multiplicity * cells);
  });

  it('CdTe: three sites per species, named as doped names them (a = 6.5 Å: neighbours at 2.81 Å)', () => {
    const a = interstitials('CdTe.cif', { dopant_elements: ['Mg'], max_candidates: 200 });
    const d = ((6.5 * Math.sqrt(3)) / 4).toFixed(2);
    expect(names(a, 'interstitial').sort()).toEqual(
      [`Cd_i_C3v`, `Cd_i_Td_Cd${d}`, `Cd_i_Td_Te${d}`, `Te_i_C3v`, `Te_i_Td_Cd${d}`, `Te_i_Td_Te${d}`].sort(),
    );
    // A dopant group is ranked like the sites: the roomy Td holes (4b before 4d), then the C3v one.
    expect(names(a, 'interstitial:Mg')).toEqual([`Mg_i_Td_Te${d}`, `Mg_i_Td_Cd${d}`, 'Mg_i_C3v']);
    const c3v = a.candidates.find((c) => c.name === 'Cd_i_C3v')!;
    expect(c3v).toMatchObject({ wyckoff: '16e', point_group: 'C3v', multiplicity: 16, species: 'Cd', host_species: null, source: 'voronoi' });
    expect(c3v.conventional_cell_frac_coords).toEqual([0.625, 0.625, 0.625]);
    expect(c3v.coordination).toEqual({ Cd: 3, Te: 3 });
    expect(c3v.min_host_distance).toBeCloseTo((6.5 * Math.sqrt(11)) / 8, 3);
    // The supercell holds every host atom plus the interstitial.
    expect(c3v.n_atoms).toBe(a.supercell.n_atoms + 1);
  });

  it('fills the native group site by site across host elements, so a cap trims sites, not an element', () => {
    const a = interstitials('CdTe.cif', { max_candidates_per_type: 2 });
    const d = ((6.5 * Math.sqrt(3)) / 4).toFixed(2);
    expect(names(a, 'interstitial')).toEqual([`Cd_i_Td_Te${d}`, `Te_i_Td_Te${d}`]);
    expect(a.groups.find((g) => g.group === 'interstitial')).toMatchObject({ generated: 6, emitted: 2, dropped: 4 });
  });

  it('BCC Fe: the tetrahedral and the octahedral self-interstitial', () => {
    const a = interstitials('Fe-bcc.vasp');
    expect(a.candidates.map((c) => [c.name, c.wyckoff, c.source])).toEqual([
      ['Fe_i_D2d', '12d', 'voronoi'],
      ['Fe_i_D4h', '6b', 'wyckoff'],
    ]);
  });

  it('lets hydrogen come closer to the host (0.5 Å) than other species (0.9 Å) unless the request says otherwise', () => {
    const a = interstitials(TIGHT_FCC, { dopant_elements: ['H'] });
    expect(names(a, 'interstitial')).toEqual(['Al_i_Oh']);
    expect(names(a, 'interstitial:H')).toEqual(['H_i_Oh', 'H_i_Td']);
    const b = interstitials(TIGHT_FCC, { dopant_elements: ['H'], interstitial_min_distance: 0.95 });
    expect(names(b, 'interstitial')).toEqual(['Al_i_Oh']);
    expect(names(b, 'interstitial:H')).toEqual(['H_i_Oh']);
  });

  it('takes the request’s interstitial_sites and passes on the warning for one it drops', () => {
    const a = interstitials('Cu.cif', { interstitial_sites: [[0.25, 0.25, 0], [0.01, 0, 0]] });
    expect(a.candidates.map((c) => [c.name, c.wyckoff, c.source])).toEqual([
      ['Cu_i_Oh', '4b', 'voronoi'],
      ['Cu_i_Td', '8c', 'voronoi'],
      ['Cu_i_D2h', '24d', 'user'],
    ]);
    expect(a.warnings).toContainEqual(expect.stringMatching(/^interstitial_sites\[1\] \(0\.01, 0, 0\) dropped: it is 0\.04 Å from the nearest host atom \(Cu\)/));
  });

  it('gives the same answer for the same request, byte for byte', () => {
    const request = { dopant_elements: ['Mg'], output_formats: ['poscar', 'cif'] } as DefectRequestInput;
    expect(JSON.stringify(interstitials('Al2O3.cif', request))).toBe(JSON.stringify(interstitials('Al2O3.cif', request)));
  });
});
