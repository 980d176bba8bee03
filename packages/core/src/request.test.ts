import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RequestError } from './base/errors.ts';
import { DefectRequestSchema, interstitialMinDistance, parseRequest, requestedTypes, structureFormats } from './request.ts';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRequest(input);
  } catch (e) {
    expect(e).toBeInstanceOf(RequestError);
    return (e as RequestError).issues;
  }
  throw new Error('expected a RequestError');
}

describe('parseRequest', () => {
  it('fills every default the route documents', () => {
    expect(parseRequest({})).toEqual({
      supercell: [],
      random_seed: 0,
      defect_types: [],
      max_candidates: 24,
      dedupe_symmetry: true,
      dopant_elements: [],
      max_candidates_per_type: 8,
      symprec: 0.01,
      min_image_distance: 10,
      output_formats: ['poscar', 'pymatgen'],
      interstitial_cluster_tolerance: 0.8,
      adsorption_sites: true,
      vasp_settings: { functional: 'pbesol', reciprocal_density: null },
    });
    expect(parseRequest(undefined).max_candidates).toBe(24);
    expect(parseRequest({ adsorption_sites: false }).adsorption_sites).toBe(false);
  });

  it('accepts each supercell form', () => {
    for (const supercell of [[], [2], [2, 3, 4], [[-1, 1, 1], [1, -1, 1], [1, 1, -1]]]) expect(parseRequest({ supercell }).supercell).toEqual(supercell);
  });

  it('accepts the edges of every range', () => {
    const r = parseRequest({ max_candidates: 200, max_candidates_per_type: 100, random_seed: 0, symprec: 1, min_image_distance: 50, interstitial_min_distance: 0.1 });
    expect(r).toMatchObject({ max_candidates: 200, max_candidates_per_type: 100, symprec: 1, min_image_distance: 50, interstitial_min_distance: 0.1 });
    expect(parseRequest({ interstitial_cluster_tolerance: 0 }).interstitial_cluster_tolerance).toBe(0);
    expect(parseRequest({ interstitial_cluster_tolerance: 2 }).interstitial_cluster_tolerance).toBe(2);
    expect(parseRequest({}).interstitial_cluster_tolerance).toBe(0.8);
  });

  // One row per field: a bad value, and the words its error must carry (the allowed range).
  const cases: [string, unknown, RegExp][] = [
    ['supercell', [2, 2], /\[\] \(automatic\), \[n\], \[a, b, c\] or a 3x3 integer matrix/],
    ['supercell', [0], /diagonal entries 1-20/],
    ['supercell', [[1, 0, 0], [0, 1, 0], [0, 0, -1]], /positive determinant/],
    ['random_seed', -1, /integer from 0 to/],
    ['random_seed', 1.5, /integer from 0 to/],
    ['defect_types', ['vacancy', 'antisite'], /vacancy, substitution, interstitial/],
    ['defect_types', ['vacancy', 'vacancy'], /must not repeat/],
    ['max_candidates', 0, /integer from 1 to 200 \(got 0\)/],
    ['max_candidates', 201, /integer from 1 to 200 \(got 201\)/],
    ['dedupe_symmetry', 'yes', /true or false/],
    ['dopant_elements', 'Mg', /element symbols/],
    ['max_candidates_per_type', 101, /integer from 1 to 100 \(got 101\)/],
    ['symprec', 0, /number from 0.00001 to 1/],
    ['min_image_distance', 'far', /number from 1 to 50 \(Å\) \(got "far"\)/],
    ['output_formats', [], /non-empty list of distinct values from poscar, cif, pymatgen, extxyz/],
    ['output_formats', ['xyz'], /poscar, cif, pymatgen, extxyz/],
    ['interstitial_sites', [[0.5, 0.5]], /fractional coordinates \[x, y, z\]/],
    ['interstitial_min_distance', 9, /number from 0.1 to 5/],
    ['interstitial_cluster_tolerance', 2.5, /number from 0 to 2 \(Å\) \(got 2.5\)/],
    ['interstitial_cluster_tolerance', -0.1, /number from 0 to 2 \(Å\) \(got -0.1\)/],
    ['interstitial_cluster_tolerance', 'wide', /number from 0 to 2 \(Å\) \(got "wide"\)/],
    ['adsorption_sites', 'no', /must be true or false \(got "no"\)/],
  ];
  for (const [field, value, message] of cases) {
    it(`names ${field} = ${JSON.stringify(value)} and its allowed range`, () => {
      const issues = issuesOf({ [field]: value });
      expect(issues).toHaveLength(1);
      expect(issues[0].path).toBe(field);
      expect(issues[0].message).toMatch(message);
    });
  }

  it('names an unknown dopant element by its position', () => {
    expect(issuesOf({ dopant_elements: ['Mg', 'Xx'] })).toEqual([{ path: 'dopant_elements.1', message: expect.stringContaining('unknown element "Xx"') }]);
    expect(issuesOf({ dopant_elements: ['mg'] })[0].message).toContain('unknown element "mg"');
  });

  it('refuses unknown fields, one issue per field', () => {
    const issues = issuesOf({ max_candidate: 5, seed: 1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['max_candidate', 'seed']);
    expect(issues[0].message).toMatch(/unknown field; allowed fields are supercell, random_seed/);
  });

  it('names an unknown key inside a nested object at its own path, with that object’s allowed keys', () => {
    expect(issuesOf({ vasp_settings: { kpoints: 'gamma' } })).toEqual([
      { path: 'vasp_settings.kpoints', message: 'unknown field; allowed fields of vasp_settings are functional, reciprocal_density' },
    ]);
    // The same key unknown at two depths is two issues.
    const issues = issuesOf({ kpoints: 1, vasp_settings: { kpoints: 'gamma', functional: 'hse06' } });
    expect(issues.map((i) => i.path).sort()).toEqual(['kpoints', 'vasp_settings.kpoints']);
    expect(issues.find((i) => i.path === 'kpoints')!.message).toMatch(/^unknown field; allowed fields are supercell, random_seed, .*vasp_settings$/);
  });

  it('names a bad value inside vasp_settings at its own path, with what that field accepts', () => {
    expect(issuesOf({ vasp_settings: { functional: 'pbe' } })).toEqual([{ path: 'vasp_settings.functional', message: 'must be pbesol or hse06 (got "pbe")' }]);
    expect(issuesOf({ vasp_settings: { reciprocal_density: -5 } })).toEqual([
      { path: 'vasp_settings.reciprocal_density', message: 'must be null (Γ-only KPOINTS) or a number from 1 to 1000 (k-points per Å⁻³) (got -5)' },
    ]);
    expect(issuesOf({ vasp_settings: 'hse06' })[0]).toMatchObject({ path: 'vasp_settings', message: expect.stringMatching(/^must be an object \{functional: pbesol or hse06/) });
  });

  it('reports one issue per offending field, all at once', () => {
    const issues = issuesOf({ max_candidates: 0, symprec: -1, dopant_elements: ['Qq', 'Zz'], extra: true });
    expect(issues.map((i) => i.path).sort()).toEqual(['dopant_elements.0', 'extra', 'max_candidates', 'symprec']);
  });

  it('refuses a body that is not an object', () => {
    expect(issuesOf([1, 2])).toEqual([{ path: '', message: expect.stringContaining('JSON object') }]);
  });

  it('resolves the families and the interstitial distance', () => {
    expect(requestedTypes(parseRequest({}))).toEqual(['vacancy', 'substitution', 'interstitial']);
    expect(requestedTypes(parseRequest({ defect_types: ['interstitial', 'vacancy'] }))).toEqual(['vacancy', 'interstitial']);
    expect(interstitialMinDistance(parseRequest({}), 'Cd')).toBe(0.9);
    expect(interstitialMinDistance(parseRequest({}), 'H')).toBe(0.5);
    expect(interstitialMinDistance(parseRequest({ interstitial_min_distance: 1.2 }), 'H')).toBe(1.2);
  });
});

describe('structureFormats', () => {
  const of = (output_formats: string[]) => structureFormats(parseRequest({ output_formats }));

  it('keeps the structure formats asked for, in order, and never vasp or report', () => {
    expect(of(['extxyz', 'cif'])).toEqual(['extxyz', 'cif']);
    expect(of(['cif', 'report'])).toEqual(['cif']);
  });

  it('adds POSCAR for vasp (each entry folder holds the candidate’s POSCAR) and for a report without any structure format', () => {
    expect(of(['cif', 'vasp'])).toEqual(['cif', 'poscar']);
    expect(of(['vasp', 'report'])).toEqual(['poscar']);
    expect(of(['report'])).toEqual(['poscar']);
    expect(of(['poscar', 'vasp', 'report'])).toEqual(['poscar']);
  });
});

describe('DefectRequestSchema as JSON Schema', () => {
  it('gives every field a title and a description, and refuses extra properties', () => {
    const schema = z.toJSONSchema(DefectRequestSchema, { io: 'input' }) as { properties: Record<string, { title?: string; description?: string }>; additionalProperties?: boolean };
    expect(Object.keys(schema.properties)).toHaveLength(15);
    for (const [key, prop] of Object.entries(schema.properties)) {
      expect(prop.title, key).toBeTruthy();
      expect(prop.description, key).toBeTruthy();
    }
    expect(schema.additionalProperties).toBe(false);
  });
});
