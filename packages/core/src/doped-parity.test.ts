import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { periodicDistance } from './base/lattice.ts';
import type { Vec3 } from './base/linalg.ts';
import type { DefectAnswer, DefectCandidate } from './defects/types.ts';
import { generate } from './generate.ts';

/**
 * Our answers against doped's own expectations on five of its test materials
 * (fixtures/doped/*.expected.json: doped's DefectsGenerator output at commit 93c8b99b).
 */

const DOPED = new URL('../../../fixtures/doped/', import.meta.url);

interface DopedDefect {
  name: string;
  type: 'vacancy' | 'substitution' | 'interstitial';
  species: string | null;
  host: string | null;
  wyckoff: string;
  charges: number[];
  /** The defect's orbit in the input cell (fractional). */
  equiv_input_frac_coords: Vec3[];
}

interface DopedCase {
  defects: DopedDefect[];
}

const answers = new Map<string, { expected: DopedCase; answer: DefectAnswer }>();
function run(material: string): { expected: DopedCase; answer: DefectAnswer } {
  if (!answers.has(material)) {
    const expected = JSON.parse(readFileSync(new URL(`${material}.expected.json`, DOPED), 'utf8')) as DopedCase;
    // doped has no caps: ours are lifted above every case's count.
    const answer = generate(
      { content: readFileSync(new URL(`${material}.vasp`, DOPED), 'utf8'), filename: `${material}.vasp` },
      { max_candidates: 200, max_candidates_per_type: 100, output_formats: ['poscar'] },
    );
    answers.set(material, { expected, answer });
  }
  return answers.get(material)!;
}

/** Our candidates of the same kind whose position lies on doped's orbit (within 0.3 Å). */
function atDopedSite(answer: DefectAnswer, d: DopedDefect): DefectCandidate[] {
  const lattice = { matrix: answer.host.lattice as [Vec3, Vec3, Vec3] };
  return answer.candidates.filter(
    (c) =>
      c.defect_type === d.type &&
      c.species === d.species &&
      c.host_species === d.host &&
      d.equiv_input_frac_coords.some((x) => periodicDistance(lattice, x, c.unit_cell_frac_coords) < 0.3),
  );
}

const MATERIALS = ['AgCu', 'Ag2Se', 'Sb2Si2Te6', 'YTOS', 'ZnS'];

describe.each(MATERIALS)('doped parity: %s', (material) => {
  it('gives every defect doped’s charge states (matched by type, species, host species and Wyckoff position)', () => {
    const { expected, answer } = run(material);
    for (const d of expected.defects) {
      const sameKind = answer.candidates.filter((c) => c.defect_type === d.type && c.species === d.species && c.host_species === d.host);
      const onSite = atDopedSite(answer, d);
      const sameWyckoff = sameKind.filter((c) => c.wyckoff === d.wyckoff);
      // An interstitial's charges depend on its species only; where our interstitial sites still differ
      // from doped's (Ag2Se's 2c site, which the interstitial selection work adds), any site of the species
      // carries them.
      const ours = onSite[0] ?? sameWyckoff[0] ?? (d.type === 'interstitial' ? sameKind[0] : undefined);
      expect(ours, `${material} ${d.name}`).toBeDefined();
      expect(ours!.charge_states, `${material} ${d.name}`).toEqual(d.charges);
    }
  });

  it('names, labels and counts every vacancy and substitution as doped does', () => {
    const { expected, answer } = run(material);
    const lattice = expected.defects.filter((d) => d.type !== 'interstitial');
    for (const d of lattice) {
      const ours = atDopedSite(answer, d);
      expect(ours.map((c) => c.name), `${material} ${d.name}`).toEqual([d.name]);
      expect(ours[0].wyckoff, d.name).toBe(d.wyckoff);
      expect(ours[0].multiplicity, d.name).toBe(d.equiv_input_frac_coords.length);
    }
    const ourLattice = answer.candidates.filter((c) => c.defect_type !== 'interstitial').map((c) => c.name).sort();
    expect(ourLattice).toEqual(lattice.map((d) => d.name).sort());
  });
});

describe('doped parity: interstitial names where our sites are doped’s', () => {
  // Names depend on every site of the host (a clash lengthens both names), so they are compared
  // where our interstitial sites coincide with doped's. ZnS (a 64-atom supercell whose lattice is
  // less symmetric than the crystal) needs the crystal's whole group: with only the operations that
  // keep its lattice, one 16e orbit split in two and every orbit was 4× too large. Ag2Se waits for
  // the interstitial selection work: its C2 sites on 2-fold axes come out as pairs of C1 sites.
  it.each(['AgCu', 'Sb2Si2Te6', 'YTOS', 'ZnS'])('%s', (material) => {
    const { expected, answer } = run(material);
    for (const d of expected.defects.filter((x) => x.type === 'interstitial')) {
      const ours = atDopedSite(answer, d);
      expect(ours.map((c) => c.name), `${material} ${d.name}`).toEqual([d.name]);
      expect(ours[0].wyckoff, d.name).toBe(d.wyckoff);
      expect(ours[0].multiplicity, d.name).toBe(d.equiv_input_frac_coords.length);
    }
  });

  it('breaks equal-distance ties as doped does: Sb2Si2Te6’s Si at 2.206 Å is named before Sb at the same rounded distance', () => {
    const names = run('Sb2Si2Te6').answer.candidates.map((c) => c.name);
    expect(names).toContain('Si_i_C1_Si2.21');
    expect(names).not.toContain('Si_i_C1_Sb2.21');
  });

  it('rounds distances as Python prints them: AgCu’s 1.805 Å neighbour is Cu1.80, not Cu1.81', () => {
    const names = run('AgCu').answer.candidates.map((c) => c.name);
    expect(names).toContain('Cu_i_C3v_Cu1.80');
    expect(names).toContain('Ag_i_C3v_Cu1.56Ag1.56Cu2.99b');
  });
});

describe('doped parity: oxidation states', () => {
  it('says which rule gave them: 0 for the intermetallic AgCu, bond valences for the others', () => {
    expect(run('AgCu').answer.host).toMatchObject({ oxidation_states: { Cu: 0, Ag: 0 }, oxidation_state_method: 'metallic' });
    for (const material of ['Ag2Se', 'Sb2Si2Te6', 'YTOS', 'ZnS']) {
      expect(run(material).answer.host.oxidation_state_method, material).toBe('bond_valence');
    }
  });
});
