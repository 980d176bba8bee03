import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { periodicDistance } from './base/lattice.ts';
import type { Vec3 } from './base/linalg.ts';
import type { DefectAnswer, DefectCandidate } from './defects/types.ts';
import { generate } from './generate.ts';
import { readStructure } from './io/read.ts';
import { analyzeSymmetry } from './symmetry/analyze.ts';
import { inputFrameOperations } from './symmetry/label.ts';
import type { SymmetryAnalysis } from './symmetry/types.ts';

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
      const ours = d.type === 'interstitial' ? onSite[0] : (onSite[0] ?? sameWyckoff[0]);
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

/**
 * Our interstitial sites that doped does not keep, and why; every other site of ours is one of doped's.
 * Ag2Se (P222_1) has two 2c orbits on the 2-fold axis (1/4, 0, z): z ≈ 1/2, 2.45 Å from Ag, which both
 * keep, and z ≈ 0, 2.37 Å from Ag. Each lies between a 2a or 2b site (1.33–1.36 Å away along x) and a
 * C1 Voronoi vertex (0.77 Å and 0.86 Å away, 2.57 and 2.52 Å from the host), all three within doped's
 * `stol` distance (0.90 Å here) of the C1 vertex. doped groups them in the order scipy numbers its
 * clusters: at z ≈ 0 the C1 vertex came first, took both neighbours into its group and the 2a site
 * (the more symmetric, roomier) won it, so the 2c site went; at z ≈ 1/2 the 2b site came first, the
 * 2c site was too far from it (1.33 Å) to join, and stayed. We group the most symmetric first,
 * whatever the atoms' order, so both 2c sites stay, each a C2 site of its own.
 */
const EXTRA_INTERSTITIALS: Record<string, { site: string; wyckoff: string }[]> = {
  Ag2Se: [{ site: 'C2_Ag2.37', wyckoff: '2c' }],
};

/** The orbit of `site` (input fractional coordinates) under the input cell's operations: every operation, then every pure translation. */
function orbitOf(analysis: SymmetryAnalysis, site: Vec3): Vec3[] {
  const out: Vec3[] = [];
  for (const op of inputFrameOperations(analysis)) {
    const r = op.rotation;
    const y = [0, 1, 2].map((i) => r[i][0] * site[0] + r[i][1] * site[1] + r[i][2] * site[2] + op.translation[i]);
    for (const t of analysis.translations) out.push([y[0] + t[0], y[1] + t[1], y[2] + t[2]]);
  }
  return out;
}

/** Smallest periodic distance (Å) from `frac` to any point of `orbit`. */
function distanceToOrbit(lattice: { matrix: [Vec3, Vec3, Vec3] }, orbit: Vec3[], frac: Vec3): number {
  return Math.min(...orbit.map((p) => periodicDistance(lattice, p, frac)));
}

describe.each(MATERIALS)('doped parity: interstitials of %s', (material) => {
  it('names, labels and counts every doped interstitial site as doped does', () => {
    const { expected, answer } = run(material);
    for (const d of expected.defects.filter((x) => x.type === 'interstitial')) {
      const ours = atDopedSite(answer, d);
      expect(ours.map((c) => c.name), `${material} ${d.name}`).toEqual([d.name]);
      expect(ours[0].wyckoff, d.name).toBe(d.wyckoff);
      expect(ours[0].multiplicity, d.name).toBe(d.equiv_input_frac_coords.length);
    }
  });

  it('recall: every doped site is one of ours, no two of ours are symmetry-equivalent, and the extras are the explained ones', () => {
    const { expected, answer } = run(material);
    const structure = readStructure(readFileSync(new URL(`${material}.vasp`, DOPED), 'utf8'), { filename: `${material}.vasp` }).structure;
    const analysis = analyzeSymmetry(structure);
    const lattice = { matrix: answer.host.lattice as [Vec3, Vec3, Vec3] };
    const species = [...new Set(expected.defects.filter((d) => d.type === 'interstitial').map((d) => d.species))];
    for (const sp of species) {
      const ours = answer.candidates.filter((c) => c.defect_type === 'interstitial' && c.species === sp);
      const theirs = expected.defects.filter((d) => d.type === 'interstitial' && d.species === sp);
      const orbits = ours.map((c) => orbitOf(analysis, c.unit_cell_frac_coords));
      const matched = new Set<number>();
      for (const d of theirs) {
        // By symmetry, one point of doped's orbit against the whole of ours is the distance between the orbits.
        const distances = orbits.map((orbit) => distanceToOrbit(lattice, orbit, d.equiv_input_frac_coords[0]));
        const best = distances.indexOf(Math.min(...distances));
        expect(distances[best], `${material} ${d.name}`).toBeLessThan(0.3);
        matched.add(best);
      }
      expect(matched.size, `${material} ${sp}: one of ours per doped site`).toBe(theirs.length);
      const extras = ours.filter((_, i) => !matched.has(i)).map((c) => ({ site: c.name.slice(`${sp}_i_`.length), wyckoff: c.wyckoff }));
      expect(extras, `${material} ${sp}`).toEqual(EXTRA_INTERSTITIALS[material] ?? []);
      for (let i = 0; i < ours.length; i++) {
        for (let j = i + 1; j < ours.length; j++) {
          expect(distanceToOrbit(lattice, orbits[i], ours[j].unit_cell_frac_coords), `${ours[i].name} and ${ours[j].name}`).toBeGreaterThan(0.3);
        }
      }
    }
  });
});

describe('doped parity: interstitial names', () => {
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

describe('doped parity: conventional-cell coordinates', () => {
  // doped gives each defect the point of its orbit that sorts first (its _frac_coords_sort_func);
  // (doped's file gives them to 3 decimals) where our conventional frame is doped's (Ag2Se's standard setting puts c along the input's a,
  // where doped keeps the input's c), the point must be the same.
  it.each(['AgCu', 'Sb2Si2Te6', 'YTOS', 'ZnS'])('%s', (material) => {
    const { expected, answer } = run(material);
    const byName = new Map(answer.candidates.map((c) => [c.name, c]));
    for (const d of expected.defects as (DopedDefect & { conv_coords: Vec3 })[]) {
      const ours = byName.get(d.name);
      expect(ours, d.name).toBeDefined();
      ours!.conventional_cell_frac_coords.forEach((x, k) => expect(x, `${material} ${d.name}`).toBeCloseTo(d.conv_coords[k], 2));
    }
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
