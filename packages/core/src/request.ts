import { z } from 'zod';
import { isElement } from './base/elements.ts';
import { RequestError } from './base/errors.ts';
import { preview } from './base/preview.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './io/write.ts';
import { SYMPREC_RANGE } from './symmetry/tolerance.ts';

/**
 * The request contract shared by the CLI, the API and the worker. Field names, ranges and defaults
 * are fixed by the route users already call; every field carries a title and a description because
 * the API publishes this schema as OpenAPI through `z.toJSONSchema`.
 */

export const DEFECT_TYPES = ['vacancy', 'substitution', 'interstitial'] as const;
export type DefectType = (typeof DEFECT_TYPES)[number];
/**
 * Output formats: the four structure formats; `vasp`, a VASP input set per defect entry (POSCAR,
 * INCAR, KPOINTS, POTCAR.spec) laid out with the files, not stored in the answer; and `report`, a
 * page with 3D views of every candidate (report.html) laid out with the files.
 */
export const OUTPUT_FORMAT_NAMES = ['poscar', 'cif', 'pymatgen', 'extxyz', 'vasp', 'report'] as const;
export type RequestOutputFormat = (typeof OUTPUT_FORMAT_NAMES)[number];
/** The `vasp_settings` functionals: doped's defect relaxation set (PBEsol) or its HSE06 variant. */
export const VASP_FUNCTIONALS = ['pbesol', 'hse06'] as const;

export const REQUEST_LIMITS = {
  supercellEntry: 20,
  maxCandidates: 200,
  maxCandidatesPerType: 100,
  dopants: 20,
  interstitialSites: 64,
  symprec: SYMPREC_RANGE,
  minImageDistance: { min: 1, max: 50 },
  interstitialMinDistance: { min: 0.1, max: 5 },
  interstitialClusterTolerance: { min: 0, max: 2 },
  reciprocalDensity: { min: 1, max: 1000 },
} as const;

/**
 * What each field accepts, in words, by dot-separated path (a nested field has its own entry): the
 * error for a bad value repeats it with what was sent.
 */
export const FIELD_EXPECTATIONS: Record<string, string> = {
  supercell: `must be [] (automatic), [n], [a, b, c] or a 3x3 integer matrix with a positive determinant; diagonal entries 1-${REQUEST_LIMITS.supercellEntry}, matrix entries -${REQUEST_LIMITS.supercellEntry} to ${REQUEST_LIMITS.supercellEntry}`,
  random_seed: `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
  defect_types: `must be a list of distinct values from ${DEFECT_TYPES.join(', ')} ([] means all three)`,
  max_candidates: `must be an integer from 1 to ${REQUEST_LIMITS.maxCandidates}`,
  dedupe_symmetry: 'must be true or false',
  dopant_elements: `must be a list of at most ${REQUEST_LIMITS.dopants} distinct element symbols (e.g. "Mg")`,
  max_candidates_per_type: `must be an integer from 1 to ${REQUEST_LIMITS.maxCandidatesPerType}`,
  symprec: `must be a number from ${REQUEST_LIMITS.symprec.min} to ${REQUEST_LIMITS.symprec.max} (Å)`,
  min_image_distance: `must be a number from ${REQUEST_LIMITS.minImageDistance.min} to ${REQUEST_LIMITS.minImageDistance.max} (Å)`,
  output_formats: `must be a non-empty list of distinct values from ${OUTPUT_FORMAT_NAMES.join(', ')}`,
  interstitial_sites: `must be a list of at most ${REQUEST_LIMITS.interstitialSites} fractional coordinates [x, y, z] of the input cell (finite numbers)`,
  adsorption_sites: 'must be true or false',
  interstitial_min_distance: `must be a number from ${REQUEST_LIMITS.interstitialMinDistance.min} to ${REQUEST_LIMITS.interstitialMinDistance.max} (Å)`,
  interstitial_cluster_tolerance: `must be a number from ${REQUEST_LIMITS.interstitialClusterTolerance.min} to ${REQUEST_LIMITS.interstitialClusterTolerance.max} (Å)`,
  vasp_settings:
    `must be an object {functional: ${VASP_FUNCTIONALS.join(' or ')}, reciprocal_density: null (Γ-only KPOINTS) or a number from ` +
    `${REQUEST_LIMITS.reciprocalDensity.min} to ${REQUEST_LIMITS.reciprocalDensity.max} (k-points per Å⁻³)}`,
  'vasp_settings.functional': `must be ${VASP_FUNCTIONALS.join(' or ')}`,
  'vasp_settings.reciprocal_density':
    `must be null (Γ-only KPOINTS) or a number from ${REQUEST_LIMITS.reciprocalDensity.min} to ${REQUEST_LIMITS.reciprocalDensity.max} (k-points per Å⁻³)`,
};

const int = () => z.number().int();
const supercellInt = () => int().min(1).max(REQUEST_LIMITS.supercellEntry);
const matrixInt = () => int().min(-REQUEST_LIMITS.supercellEntry).max(REQUEST_LIMITS.supercellEntry);

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

const SupercellSchema = z
  .union([
    z.tuple([]),
    z.tuple([supercellInt()]),
    z.tuple([supercellInt(), supercellInt(), supercellInt()]),
    z
      .tuple([
        z.tuple([matrixInt(), matrixInt(), matrixInt()]),
        z.tuple([matrixInt(), matrixInt(), matrixInt()]),
        z.tuple([matrixInt(), matrixInt(), matrixInt()]),
      ])
      .refine((m) => det3(m) > 0, { message: 'the supercell matrix must have a positive determinant' }),
  ])
  .default([])
  .meta({
    title: 'Supercell',
    description:
      'Supercell used for the candidates: [] chooses one automatically (minimum image distance, from the primitive cell), ' +
      '[n] is n x n x n, [a, b, c] a diagonal expansion and a 3x3 integer matrix any expansion of the input cell.',
    examples: [[], [2], [2, 2, 2], [[-1, 1, 1], [1, -1, 1], [1, 1, -1]]],
  });

const ElementSymbol = z
  .string()
  .refine((s) => isElement(s), { message: 'unknown element' })
  .meta({ title: 'Element symbol', description: 'A chemical element symbol, capitalised as usual (e.g. "Mg").' });

const FracCoord = z
  .tuple([z.number().finite(), z.number().finite(), z.number().finite()])
  .meta({ title: 'Fractional coordinates', description: 'x, y, z in units of the input cell vectors.' });

function distinct<T>(values: T[]): boolean {
  return new Set(values).size === values.length;
}

const VaspSettingsSchema = z
  .strictObject({
    functional: z.enum(VASP_FUNCTIONALS).default('pbesol').meta({
      title: 'Functional',
      description: "pbesol: doped's RelaxSet and DefectSet (GGA = PS); hse06: the same with doped's HSESet (LHFCALC, AEXX 0.25, HFSCREEN 0.208, GGA = PE).",
    }),
    reciprocal_density: z
      .number()
      .min(REQUEST_LIMITS.reciprocalDensity.min)
      .max(REQUEST_LIMITS.reciprocalDensity.max)
      .nullable()
      .default(null)
      .meta({
        title: 'Reciprocal density',
        description: "null: Γ-only KPOINTS (doped's vasp_gam). A number: a Γ-centred mesh of that many k-points per Å⁻³ (doped's RelaxSet uses 100), with KPAR set as doped sets it.",
      }),
  })
  .meta({
    title: 'VASP settings',
    description: 'How the vasp output format writes INCAR and KPOINTS. Defaults: pbesol and Γ-only (resolved in the parameters whichever formats are asked for).',
  });

/** The request's `vasp_settings`: how the `vasp` output format writes INCAR and KPOINTS. */
export type VaspSettings = z.output<typeof VaspSettingsSchema>;
export type VaspFunctional = VaspSettings['functional'];
/** `vasp_settings` when the request leaves it out: PBEsol, Γ only. */
export const DEFAULT_VASP_SETTINGS: VaspSettings = VaspSettingsSchema.parse({});

/** Whether `settings` are the defaults, field by field. */
export function isDefaultVaspSettings(settings: VaspSettings): boolean {
  return settings.functional === DEFAULT_VASP_SETTINGS.functional && settings.reciprocal_density === DEFAULT_VASP_SETTINGS.reciprocal_density;
}

export const DefectRequestSchema = z
  .strictObject({
    supercell: SupercellSchema,
    random_seed: int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .default(0)
      .meta({
        title: 'Random seed',
        description:
          'Seed for the deterministic choices that are open (which sites are kept when deduplication is off and a group overflows). ' +
          'The same request and seed always give the same answer.',
      }),
    defect_types: z
      .array(z.enum(DEFECT_TYPES))
      .refine(distinct, { message: 'defect types must not repeat' })
      .default([])
      .meta({
        title: 'Defect types',
        description: 'Families to generate: vacancy, substitution, interstitial. [] (the default) means all three.',
      }),
    max_candidates: int()
      .min(1)
      .max(REQUEST_LIMITS.maxCandidates)
      .default(24)
      .meta({
        title: 'Maximum candidates',
        description:
          'Most defect structures in the answer. When it binds, groups are filled round-robin (vacancy, substitution, interstitial; native, then dopants) so every group is represented first.',
      }),
    dedupe_symmetry: z
      .boolean()
      .default(true)
      .meta({
        title: 'Deduplicate by symmetry',
        description: 'One candidate per symmetry-equivalent class (true) or one per site of the supercell (false).',
      }),
    dopant_elements: z
      .array(ElementSymbol)
      .max(REQUEST_LIMITS.dopants)
      .refine(distinct, { message: 'dopant elements must not repeat' })
      .default([])
      .meta({
        title: 'Dopant elements',
        description:
          'Extrinsic species for substitutions (on every host site) and interstitials. A host element listed here adds nothing: its antisites are generated anyway.',
      }),
    max_candidates_per_type: int()
      .min(1)
      .max(REQUEST_LIMITS.maxCandidatesPerType)
      .default(8)
      .meta({
        title: 'Maximum candidates per type',
        description: 'Most candidates per group (one group per family and dopant; native species form one group per family).',
      }),
    symprec: z
      .number()
      .min(REQUEST_LIMITS.symprec.min)
      .max(REQUEST_LIMITS.symprec.max)
      .default(0.01)
      .meta({ title: 'Symmetry tolerance', description: 'Distance tolerance (Å) of the symmetry search.' }),
    min_image_distance: z
      .number()
      .min(REQUEST_LIMITS.minImageDistance.min)
      .max(REQUEST_LIMITS.minImageDistance.max)
      .default(10)
      .meta({
        title: 'Minimum image distance',
        description: 'Smallest distance (Å) between a defect and its periodic images that the automatic supercell must reach.',
      }),
    output_formats: z
      .array(z.enum(OUTPUT_FORMAT_NAMES))
      .min(1)
      .refine(distinct, { message: 'output formats must not repeat' })
      .default(['poscar', 'pymatgen'])
      .meta({
        title: 'Output formats',
        description:
          'Formats of every candidate structure and of the bulk supercell: poscar (VASP 5), cif, pymatgen (Structure.as_dict JSON), extxyz; ' +
          'vasp: one VASP input folder per defect entry and for the bulk (POSCAR, INCAR, KPOINTS, POTCAR.spec; doped\'s settings) in the archive; ' +
          'report: report.html in the archive, a page with 3D views of every candidate (asked for without a structure format, it brings poscar with it: the page draws structures).',
      }),
    interstitial_sites: z
      .array(FracCoord)
      .max(REQUEST_LIMITS.interstitialSites)
      .optional()
      .meta({
        title: 'Interstitial sites',
        description:
          'Extra interstitial sites to try, as fractional coordinates of the input cell; they are filtered, clustered and reduced by symmetry with the others.',
      }),
    interstitial_min_distance: z
      .number()
      .min(REQUEST_LIMITS.interstitialMinDistance.min)
      .max(REQUEST_LIMITS.interstitialMinDistance.max)
      .optional()
      .meta({
        title: 'Interstitial minimum distance',
        description:
          'Interstitial sites closer than this (Å) to a host atom are dropped. When absent: 0.9 Å, and 0.5 Å for hydrogen interstitials.',
      }),
    interstitial_cluster_tolerance: z
      .number()
      .min(REQUEST_LIMITS.interstitialClusterTolerance.min)
      .max(REQUEST_LIMITS.interstitialClusterTolerance.max)
      .default(0.8)
      .meta({
        title: 'Interstitial cluster tolerance',
        description:
          "Interstitial candidate points closer than this (Å) are clustered into one site, as doped's clustering_tol does: " +
          'the most symmetric of the members and their centroid represents it unless its distance to the host is below 0.85 × the roomiest one\'s. ' +
          'No two sites given are closer than this, except two fixed-coordinate Wyckoff positions (no free parameter), which are never merged.',
      }),
    adsorption_sites: z
      .boolean()
      .default(true)
      .meta({
        title: 'Adsorption sites',
        description:
          'For a host with vacuum (a slab or layer, a rod, a molecule in a box, as doped detects it): also try interstitial sites on its surfaces, ' +
          "on top of, bridging and in the hollows between its outermost atoms, 2.0 Å out (pymatgen's AdsorbateSiteFinder, as doped does), with source \"adsorption\". " +
          'false: only sites inside the host. No effect on a bulk host.',
      }),
    // Resolved like every other field (zod 4 returns a default as is, unparsed: a fresh copy each time).
    vasp_settings: VaspSettingsSchema.default(() => ({ ...DEFAULT_VASP_SETTINGS })),
  })
  .meta({
    title: 'DefectRequest',
    description: 'Parameters of a defect-candidate generation. Unknown fields are refused.',
  });

export type DefectRequest = z.output<typeof DefectRequestSchema>;
export type DefectRequestInput = z.input<typeof DefectRequestSchema>;

/** Default distance to host atoms below which interstitial sites are dropped (hydrogen sits closer). */
export function interstitialMinDistance(request: DefectRequest, species: string): number {
  return request.interstitial_min_distance ?? (species === 'H' ? 0.5 : 0.9);
}

/**
 * The structure formats every candidate and the bulk are written in: the request's structure formats
 * (every output format but `vasp` and `report`), with POSCAR added when `vasp` needs it (each entry's
 * POSCAR is the candidate's) or when `report` comes without any structure format (the page draws the
 * candidates from their structures).
 */
export function structureFormats(request: DefectRequest): OutputFormat[] {
  const formats = request.output_formats.filter((f): f is OutputFormat => (OUTPUT_FORMATS as readonly string[]).includes(f));
  const drawn = request.output_formats.includes('report') && formats.length === 0;
  if ((request.output_formats.includes('vasp') || drawn) && !formats.includes('poscar')) formats.push('poscar');
  return formats;
}

/** The families a request asks for, in the fixed order vacancy, substitution, interstitial. */
export function requestedTypes(request: DefectRequest): DefectType[] {
  return request.defect_types.length === 0 ? [...DEFECT_TYPES] : DEFECT_TYPES.filter((t) => request.defect_types.includes(t));
}

function pathString(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

/** The schema under optional, default and nullable wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The keys the request schema allows in the object at `path` ([] for the request itself), in schema order. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = DefectRequestSchema;
  for (const key of path) {
    const s: z.ZodType = unwrapped(schema);
    schema = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>)[String(key)] : s instanceof z.ZodArray ? (s.element as z.ZodType) : undefined;
    if (!schema) return [];
  }
  const s = unwrapped(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** The longest start of `path` that has its own entry in FIELD_EXPECTATIONS (at least the top-level field). */
function describedPath(path: readonly PropertyKey[]): PropertyKey[] {
  for (let n = path.length; n > 1; n--) if (pathString(path.slice(0, n)) in FIELD_EXPECTATIONS) return path.slice(0, n);
  return path.slice(0, 1);
}

/**
 * Validates and completes a request. Throws RequestError with one issue per offending field:
 * the field's path (dot-separated for a nested one, e.g. `vasp_settings.functional`), what it
 * accepts, and what was sent; an unknown key is named at its own path with the keys allowed beside it.
 * `options.otherFields`: the top-level fields a caller takes around the request (the API's
 * `structure`, `file`, `webhook_url`), listed first among the allowed ones in that message.
 */
export function parseRequest(input: unknown, options: { otherFields?: readonly string[] } = {}): DefectRequest {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RequestError([{ path: '', message: `the request must be a JSON object (got ${preview(input)})` }]);
  }
  const result = DefectRequestSchema.safeParse(input);
  if (result.success) return result.data;

  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = [...(issue.path.length === 0 ? (options.otherFields ?? []) : []), ...allowedKeysAt(issue.path)].join(', ');
      const where = issue.path.length === 0 ? 'fields are' : `fields of ${pathString(issue.path)} are`;
      for (const key of issue.keys) {
        const path = pathString([...issue.path, key]);
        if (seen.has(path)) continue;
        seen.add(path);
        issues.push({ path, message: `unknown field; allowed ${where} ${allowed}` });
      }
      continue;
    }
    const described = describedPath(issue.path);
    const field = pathString(described);
    if (seen.has(field)) continue;
    seen.add(field);
    const expectation = FIELD_EXPECTATIONS[field] ?? 'is not valid';
    let path = field;
    let detail = `got ${preview(valueAt(input, described))}`;
    if (field === 'dopant_elements' && issue.message === 'unknown element') {
      const bad = issue.path.slice(0, 2);
      path = pathString(bad);
      detail = `unknown element ${preview(valueAt(input, bad))}`;
    } else if (issue.code === 'custom' && issue.message) {
      detail = `${issue.message}; got ${preview(valueAt(input, described))}`;
    }
    issues.push({ path, message: `${expectation} (${detail})` });
  }
  throw new RequestError(issues);
}
