import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { periodicDistance } from '../base/lattice.ts';
import type { Vec3 } from '../base/linalg.ts';
import { generate } from '../generate.ts';
import { readPoscarAsPymatgen } from '../../../../test/support/pymatgen-poscar.ts';

const FIXTURES = join(import.meta.dirname, '../../../../fixtures');
// Every reference structure, and doped's test structures (each generates in well under a second).
const FILES = [
  ...readdirSync(join(FIXTURES, 'structures')).map((f) => join('structures', f)),
  ...readdirSync(join(FIXTURES, 'doped')).filter((f) => f.endsWith('.vasp')).map((f) => join('doped', f)),
];

interface Site {
  element: string;
  /** The coordinates exactly as written: sites untouched by the defect are written identically. */
  key: string;
  frac: Vec3;
}

function sites(poscar: string): Site[] {
  const p = readPoscarAsPymatgen(poscar);
  return p.species.map((element, i) => ({ element, key: p.coordTokens[i].join(' '), frac: p.coords[i] as Vec3 }));
}

const same = (a: Site[], b: Site[]) => a.length === b.length && a.every((s, i) => s.element === b[i].element && s.key === b[i].key);
const without = (list: Site[], i: number) => [...list.slice(0, i), ...list.slice(i + 1)];

/**
 * How `defect` differs from `bulk`, read from their POSCARs: the one site removed, replaced or
 * added, with every other site in the bulk's order; or null when it is not exactly one site.
 */
function oneSiteChange(bulk: Site[], defect: Site[]): { kind: 'vacancy' | 'substitution' | 'interstitial'; bulkIndex: number; defectIndex: number } | null {
  if (defect.length === bulk.length - 1) {
    for (let k = 0; k < bulk.length; k++) if (same(without(bulk, k), defect)) return { kind: 'vacancy', bulkIndex: k, defectIndex: -1 };
    return null;
  }
  if (defect.length === bulk.length + 1) {
    for (let k = 0; k < defect.length; k++) if (same(without(defect, k), bulk)) return { kind: 'interstitial', bulkIndex: -1, defectIndex: k };
    return null;
  }
  if (defect.length !== bulk.length) return null;
  // A substitution: the same positions, one of them with another element, possibly moved into its element's block.
  const defectKeys = new Map(defect.map((s, i) => [s.key, i]));
  const changed = bulk.map((s, k) => ({ k, d: defectKeys.get(s.key) })).filter(({ k, d }) => d === undefined || defect[d].element !== bulk[k].element);
  if (changed.length !== 1 || changed[0].d === undefined) return null;
  const { k, d } = changed[0];
  return same(without(bulk, k), without(defect, d)) ? { kind: 'substitution', bulkIndex: k, defectIndex: d } : null;
}

describe('every defect structure is the bulk supercell with exactly one site removed, replaced or added', () => {
  for (const file of FILES) {
    it(file, () => {
      const content = readFileSync(join(FIXTURES, file), 'utf8');
      const answer = generate({ content, filename: file }, { max_candidates: 200, max_candidates_per_type: 100, dopant_elements: ['Mg'], output_formats: ['poscar'] });
      const bulk = sites(answer.bulk.structures.poscar!);
      expect(bulk).toHaveLength(answer.supercell.n_atoms);
      expect(answer.bulk.n_atoms).toBe(answer.supercell.n_atoms);
      const lattice = { matrix: answer.supercell.lattice as [Vec3, Vec3, Vec3] };
      for (const c of answer.candidates) {
        const defect = sites(c.structures.poscar!);
        const change = oneSiteChange(bulk, defect);
        expect(change, c.name).not.toBeNull();
        expect(change!.kind, c.name).toBe(c.defect_type);
        const site = change!.kind === 'vacancy' ? bulk[change!.bulkIndex] : defect[change!.defectIndex];
        expect(periodicDistance(lattice, site.frac, c.frac_coords), c.name).toBeLessThan(1e-6);
        if (c.host_species) expect(bulk[change!.bulkIndex].element, c.name).toBe(c.host_species);
        if (c.species) {
          const added = defect[change!.defectIndex];
          expect(added.element, c.name).toBe(c.species);
          // Where doped puts it: in its element's block, first for an interstitial; for a substitution after
          // the sites of its element that come before the replaced site in the bulk (a stable regrouping).
          const blockStart = defect.findIndex((s) => s.element === c.species);
          const before = c.defect_type === 'interstitial' ? 0 : bulk.slice(0, change!.bulkIndex).filter((s) => s.element === c.species).length;
          expect(change!.defectIndex - blockStart, c.name).toBe(before);
        }
      }
    });
  }
});

describe('the atom order of doped’s CdTe inputs', () => {
  it('puts Te_Cd first among Te, Cd_Te last among Cd, interstitials first in their block and Mg after the host', () => {
    const content = readFileSync(join(FIXTURES, 'structures', 'CdTe.cif'), 'utf8');
    const answer = generate({ content, filename: 'CdTe.cif' }, { dopant_elements: ['Mg'], max_candidates: 200, max_candidates_per_type: 100 });
    const at = (name: string) => {
      const p = readPoscarAsPymatgen(answer.candidates.find((c) => c.name === name)!.structures.poscar!);
      const c = answer.candidates.find((x) => x.name === name)!;
      const i = p.coords.findIndex((f) => periodicDistance({ matrix: answer.supercell.lattice as [Vec3, Vec3, Vec3] }, f as Vec3, c.frac_coords) < 1e-6);
      return { symbols: p.symbols, counts: p.counts, index: i };
    };
    // doped's tests/data/CdTe POSCARs: Cd_Te (28 Cd, 26 Te) has the antisite as the 28th Cd; Te_Cd's is the first Te.
    expect(at('Cd_Te')).toEqual({ symbols: ['Cd', 'Te'], counts: [28, 26], index: 27 });
    expect(at('Te_Cd')).toEqual({ symbols: ['Cd', 'Te'], counts: [26, 28], index: 26 });
    expect(at('Cd_i_C3v')).toEqual({ symbols: ['Cd', 'Te'], counts: [28, 27], index: 0 });
    expect(at('Te_i_C3v')).toEqual({ symbols: ['Cd', 'Te'], counts: [27, 28], index: 27 });
    expect(at('Mg_Cd')).toEqual({ symbols: ['Cd', 'Te', 'Mg'], counts: [26, 27, 1], index: 53 });
  });
});
