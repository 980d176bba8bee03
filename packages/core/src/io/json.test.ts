import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-syntax.ts';
import { readJson } from './json.ts';
import { toPymatgenDict } from './pymatgen-json.ts';

const FIXTURES = new URL('../../../../fixtures/', import.meta.url);

const pymatgenSite = (element: string, abc: number[], extra: Record<string, unknown> = {}) => ({
  species: [{ element, occu: 1, ...extra }],
  abc,
  label: element,
  properties: {},
});
const cubic = (a: number) => ({ matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]] });

describe('readJson: pymatgen Structure.as_dict()', () => {
  it('reads the MgO fixture site by site', () => {
    const { structure, format } = readJson(readFileSync(new URL('structures/MgO.json', FIXTURES), 'utf8'));
    expect(format).toBe('pymatgen');
    expect(structure.species).toEqual(['Mg', 'Mg', 'Mg', 'Mg', 'O', 'O', 'O', 'O']);
    expect(structure.fracCoords[1]).toEqual([0.5, 0.5, 0]);
    expect(structure.lattice.matrix[2]).toEqual([0, 0, 4.212]);
  });

  it('keeps oxidation states and labels, and falls back to Cartesian xyz', () => {
    const d = {
      '@module': 'pymatgen.core.structure',
      '@class': 'Structure',
      lattice: cubic(4),
      sites: [
        pymatgenSite('Fe', [0, 0, 0], { oxidation_state: 2 }),
        { species: [{ element: 'O', occu: 1, oxidation_state: -2 }], xyz: [2, 2, 2], label: 'O_a' },
      ],
    };
    const { structure } = readJson(JSON.stringify(d));
    expect(structure.oxidationStates).toEqual([2, -2]);
    expect(structure.labels).toEqual(['Fe', 'O_a']);
    expect(structure.fracCoords[1]).toEqual([0.5, 0.5, 0.5]);
  });

  it('refuses disordered sites, naming the site', () => {
    const d = {
      lattice: cubic(4),
      sites: [pymatgenSite('O', [0.5, 0.5, 0.5]), { species: [{ element: 'Mg', occu: 0.5 }, { element: 'Ni', occu: 0.5 }], abc: [0, 0, 0], label: 'Mg1' }],
    };
    expect(() => readJson(JSON.stringify(d))).toThrow(/pymatgen JSON site 2 \(Mg1\): partial occupancy \(Mg:0\.5, Ni:0\.5\): disordered structures are out of scope/);
    const vacancy = { lattice: cubic(4), sites: [{ species: [{ element: 'Mg', occu: 0.9 }], abc: [0, 0, 0] }] };
    expect(() => readJson(JSON.stringify(vacancy))).toThrow(/site 1: partial occupancy/);
  });

  it('reads the structure inside a ComputedStructureEntry and says so', () => {
    const entry = { '@class': 'ComputedStructureEntry', energy: -1, structure: { lattice: cubic(3), sites: [pymatgenSite('Cu', [0, 0, 0])] } };
    const { structure, warnings } = readJson(JSON.stringify(entry));
    expect(structure.species).toEqual(['Cu']);
    expect(warnings).toEqual(['read the "structure" inside this ComputedStructureEntry']);
  });

  it('writes the dict from_dict loads: module, class, lattice parameters, species with oxidation states', () => {
    const d = toPymatgenDict({
      lattice: { matrix: [[3, 0, 0], [0, 4, 0], [0, 0, 5]] },
      species: ['Fe', 'O'],
      fracCoords: [[0, 0, 0], [0.5, 0.5, 0.5]],
      oxidationStates: [3, null],
    });
    expect(d).toMatchObject({
      '@module': 'pymatgen.core.structure',
      '@class': 'Structure',
      charge: 0,
      lattice: { a: 3, b: 4, c: 5, alpha: 90, beta: 90, gamma: 90, volume: 60, pbc: [true, true, true] },
      sites: [
        { species: [{ element: 'Fe', occu: 1, oxidation_state: 3 }], abc: [0, 0, 0], xyz: [0, 0, 0], label: 'Fe', properties: {} },
        { species: [{ element: 'O', occu: 1 }], abc: [0.5, 0.5, 0.5], xyz: [1.5, 2, 2.5], label: 'O' },
      ],
    });
    expect((d.sites as { species: object[] }[])[1].species[0]).not.toHaveProperty('oxidation_state');
  });
});

describe('readJson: plain form', () => {
  it('reads {lattice, species, frac_coords} with a {matrix} lattice and decorated species', () => {
    const { structure, format } = readJson(JSON.stringify({ lattice: cubic(4.2), species: ['Mg2+', 'O2-'], frac_coords: [[0, 0, 0], [0.5, 0.5, 0.5]] }));
    expect(format).toBe('json');
    expect(structure.species).toEqual(['Mg', 'O']);
    expect(structure.oxidationStates).toEqual([2, -2]);
  });

  it('reads cart_coords in Å', () => {
    const { structure } = readJson(JSON.stringify({ lattice: [[4, 0, 0], [0, 4, 0], [0, 0, 4]], species: ['Na'], cart_coords: [[1, 2, 3]] }));
    expect(structure.fracCoords).toEqual([[0.25, 0.5, 0.75]]);
  });

  it('names the site of an unknown element', () => {
    expect(() => readJson(readFileSync(new URL('bad/unknown-element.json', FIXTURES), 'utf8'))).toThrow("JSON site 2 (Xx): unknown element 'Xx'");
  });

  it('names the field and the problem for malformed input', () => {
    expect(() => readJson('{"lattice": [[1,0,0],[0,1,0]], "species": ["Cu"], "frac_coords": [[0,0,0]]}')).toThrow(/JSON: lattice must be a 3x3 matrix/);
    expect(() => readJson('{"lattice": [[1,0,0],[0,1,0],[0,0,1]], "species": ["Cu", "Cu"], "frac_coords": [[0,0,0]]}')).toThrow(
      /JSON: "species" has 2 entries but "frac_coords" has 1/,
    );
    expect(() => readJson('{"lattice": [[1,0,0],[0,1,0],[0,0,1]], "species": ["Cu"], "frac_coords": [[0,0]]}')).toThrow(/JSON site 1 \(Cu\): "frac_coords" must be three numbers/);
    expect(() => readJson('{"lattice": 1,\n "species": ]')).toThrow(/JSON line 2: not valid JSON/);
    expect(() => readJson('{"a": 1}')).toThrow(/expected a pymatgen Structure .* found keys a/);
  });
});

describe('jsonErrorOffset', () => {
  it('points at the first character JSON does not allow', () => {
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": tru}')).toBe(6);
    expect(jsonErrorOffset('{"a": "x\\q"}')).toBe(9);
    expect(jsonErrorOffset('{"a": 1')).toBe(7);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
  });
});
