import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readableFixtures } from '../../../../test/support/fixtures.ts';
import type { Structure } from '../base/structure.ts';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { toPymatgenDict } from '../io/pymatgen-json.ts';

/**
 * Answers never depend on the order of sites in the file: every fixture (structures/, the cases/
 * that parse, doped/*.vasp — cdte-anion-listed-first, mg3sb2-distorted and doped's ZnS among them),
 * its sites shuffled, or its species blocks reordered as a POSCAR would list them, gives the same
 * space group, letters, names and candidates, up to order, and the same `host.sites`, in the same
 * order with the same coordinates.
 */
const readable = readableFixtures(['structures', 'cases', 'doped']);

const round = (v: number[]) => v.map((x) => Math.round(x * 1e6) / 1e6 + 0);

/** Everything about an answer that must not depend on the order of the input's sites. */
function invariants(a: DefectAnswer) {
  return {
    spaceGroup: a.host.space_group.number,
    // In order, with their coordinates: each site's representative and the list's order are canonical.
    sites: a.host.sites.map((s) => [s.element, s.wyckoff, s.point_group, s.multiplicity, round(s.frac_coords), s.oxidation_state]),
    supercell: [a.supercell.base, a.supercell.n_atoms, a.supercell.matrix, a.supercell.lattice.map(round)],
    candidates: a.candidates
      .map((c) =>
        JSON.stringify([
          c.name,
          c.defect_type,
          c.wyckoff,
          c.site_symmetry,
          c.multiplicity,
          c.supercell_multiplicity,
          round(c.conventional_cell_frac_coords),
          round(c.unit_cell_frac_coords),
          round(c.frac_coords),
          c.nearest_neighbors,
          c.charge_states,
        ]),
      )
      .sort(),
  };
}

function answerFor(structure: Structure): DefectAnswer {
  return generate({ content: JSON.stringify(toPymatgenDict(structure)), format: 'pymatgen' }, { max_candidates: 200, max_candidates_per_type: 100 });
}

function reordered(structure: Structure, order: number[]): Structure {
  const pick = <T>(xs: T[]) => order.map((i) => xs[i]);
  const out: Structure = { lattice: structure.lattice, species: pick(structure.species), fracCoords: pick(structure.fracCoords) };
  if (structure.oxidationStates) out.oxidationStates = pick(structure.oxidationStates);
  if (structure.labels) out.labels = pick(structure.labels);
  return out;
}

/** A permutation of the sites: arbitrary, or (blocks) species blocks in a random order, each block's sites shuffled. */
const permutation = (structure: Structure) => {
  const indices = structure.species.map((_, i) => i);
  return fc.record({ order: fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }), blocks: fc.boolean() }).map(({ order, blocks }) => {
    if (!blocks) return order;
    const speciesOrder = [...new Set(order.map((i) => structure.species[i]))];
    return speciesOrder.flatMap((el) => order.filter((i) => structure.species[i] === el));
  });
};

describe('answers do not depend on the order of sites or species blocks', () => {
  it('reads the fixtures this covers', () => {
    const names = readable.map(([path]) => path);
    for (const path of ['cases/cdte-anion-listed-first.vasp', 'cases/mg3sb2-distorted.vasp', 'doped/ZnS.vasp', 'structures/CdTe.cif']) expect(names).toContain(path);
  });

  it.each(readable)('%s', (_path, structure) => {
    const expected = invariants(answerFor(structure));
    fc.assert(
      fc.property(permutation(structure), (order) => {
        expect(invariants(answerFor(reordered(structure, order)))).toEqual(expected);
      }),
      { numRuns: 2, seed: 11 },
    );
  });
});
