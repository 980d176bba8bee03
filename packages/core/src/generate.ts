import { StructureError, type StructureFormat } from './base/errors.ts';
import type { Structure } from './base/structure.ts';
import { cellFormula, formula } from './base/structure.ts';
import { elementOrder, hostOxidationStates } from './charges/oxidation.ts';
import { interstitialCandidates } from './defects/interstitial.ts';
import { defectEntries } from './defects/entries.ts';
import { hostSites } from './defects/host-sites.ts';
import { bulkSupercell, candidateId, cartesianOf, defectStructure, hostFingerprint, selectDefects } from './defects/pipeline.ts';
import { substitutionDrafts } from './defects/substitution.ts';
import type { DefectAnswer, DefectCandidate, DefectDraft, DefectEntry, HostContext } from './defects/types.ts';
import { vacancyDrafts } from './defects/vacancy.ts';
import { readStructure } from './io/read.ts';
import { structureOutputs } from './output/structures.ts';
import { LIBRARY_VERSION } from './output/version.ts';
import { type DefectRequest, type DefectRequestInput, isDefaultVaspSettings, parseRequest, requestedTypes, structureFormats } from './request.ts';
import { analyzeSymmetry } from './symmetry/analyze.ts';
import { inputFrameOperations } from './symmetry/label.ts';
import type { SymmetryAnalysis } from './symmetry/types.ts';
import { type Supercell, resolveSupercell } from './supercell/resolve.ts';

/** The structure as the caller sent it: file text, and what is known about its format. */
export interface StructureInput {
  content: string;
  format?: StructureFormat;
  filename?: string;
  /** Element of each species block, for VASP 4 POSCARs. */
  species?: string[];
  /** What was assumed in getting `content` (unpacking a compressed file, its encoding): first among the answer's warnings. */
  warnings?: string[];
}

export interface PrepareOptions {
  /** Largest supercell (atoms) the caller accepts; default 1,000. */
  maxAtoms?: number;
  /** Largest input cell (atoms) the caller accepts; default 5,000 (DEFAULT_MAX_INPUT_ATOMS). */
  maxInputAtoms?: number;
}

/**
 * Default of `maxInputAtoms`. The symmetry analysis grows about linearly with the input (well under
 * a second of CPU per thousand atoms) and the automatic supercell is built from the primitive cell,
 * so an input cell may be far larger than any supercell; this bounds the reading and the search.
 */
export const DEFAULT_MAX_INPUT_ATOMS = 5000;

/**
 * Refuses an input cell with more than `maxInputAtoms` atoms, before its symmetry is analysed.
 * Throws StructureError (code `too_many_atoms`): the size of the structure sent is the fault.
 */
export function refuseOversizedInput(structure: Structure, maxInputAtoms = DEFAULT_MAX_INPUT_ATOMS): void {
  const count = structure.species.length;
  if (count > maxInputAtoms) {
    throw new StructureError(
      `the input cell has ${count} atoms, more than the limit of ${maxInputAtoms} atoms per input cell: send a smaller cell (the primitive or conventional cell)`,
      {},
      'too_many_atoms',
    );
  }
}

/** A host read, analysed and expanded: everything cheap that can fail on bad input. */
export interface PreparedHost {
  structure: Structure;
  format: StructureFormat;
  analysis: SymmetryAnalysis;
  supercell: Supercell;
  request: DefectRequest;
  warnings: string[];
}

/**
 * The request fields the host preparation reads: with the structure and the atom limit, all that
 * `prepareHost`'s verdict depends on (a service may remember verdicts keyed on just these).
 */
export const HOST_REQUEST_FIELDS = ['supercell', 'symprec', 'min_image_distance'] as const;
export type HostRequest = Pick<DefectRequest, (typeof HOST_REQUEST_FIELDS)[number]>;

export type GenerateStage = 'read' | 'symmetry' | 'supercell' | 'vacancies' | 'substitutions' | 'interstitials' | 'writing';

export interface GenerateOptions extends PrepareOptions {
  onProgress?: (stage: GenerateStage, percent: number) => void;
  /**
   * Called once the host is read, analysed and expanded (what `prepareHost` returns), before any
   * defect is built. An error it throws ends the run and `generate` throws it: a caller that learns
   * here that the job is larger than it may run (a service's cost estimate) stops it at no more
   * cost than the preparation.
   */
  onPrepared?: (host: PreparedHost) => void;
}

/** Where each stage starts, in percent of the whole run. */
const STAGE_START: Record<GenerateStage, number> = {
  read: 0,
  symmetry: 5,
  supercell: 10,
  vacancies: 20,
  substitutions: 30,
  interstitials: 40,
  writing: 60,
};

function prepare(input: StructureInput, request: HostRequest, options: GenerateOptions): Omit<PreparedHost, 'request'> {
  const progress = options.onProgress ?? (() => {});
  progress('read', STAGE_START.read);
  const read = readStructure(input.content, { format: input.format, filename: input.filename, species: input.species });
  refuseOversizedInput(read.structure, options.maxInputAtoms);
  progress('symmetry', STAGE_START.symmetry);
  const analysis = analyzeSymmetry(read.structure, { symprec: request.symprec });
  progress('supercell', STAGE_START.supercell);
  const supercell = resolveSupercell(read.structure, analysis, request.supercell, {
    minImageDistance: request.min_image_distance,
    maxAtoms: options.maxAtoms,
  });
  return {
    structure: read.structure,
    format: read.format,
    analysis,
    supercell,
    warnings: [...(input.warnings ?? []), ...read.warnings, ...analysis.warnings, ...supercell.warnings],
  };
}

/**
 * Reads the structure, finds its symmetry and builds the supercell: the part that refuses bad
 * structures and oversized supercells, cheap enough to run while a request is being accepted.
 * Throws RequestError, StructureError or SupercellError.
 */
export function prepareHost(input: StructureInput, request: DefectRequestInput | DefectRequest, options: PrepareOptions = {}): PreparedHost {
  const parsed = parseRequest(request);
  return { ...prepare(input, parsed, options), request: parsed };
}

/**
 * Symmetry-distinct vacancy, substitution and interstitial supercells of a host, named, with
 * guessed charge states, capped and ordered as the request says; the pristine supercell they were
 * cut from (`bulk`) and one entry per candidate and charge state (`entries`). The same input and
 * request always give the same answer, byte for byte.
 */
export function generate(input: StructureInput, requestInput: DefectRequestInput | DefectRequest, options: GenerateOptions = {}): DefectAnswer {
  const request = parseRequest(requestInput);
  const progress = options.onProgress ?? (() => {});
  const host = prepare(input, request, options);
  options.onPrepared?.({ ...host, request });
  const { structure, analysis, supercell } = host;
  const warnings = [...host.warnings];

  const elements = elementOrder(structure);
  const dopants: string[] = [];
  for (const d of request.dopant_elements) {
    if (elements.includes(d)) warnings.push(`dopant ${d} is a host element: its substitutions are the native antisites and its interstitials the native ones`);
    else dopants.push(d);
  }
  const oxidation = hostOxidationStates(structure, analysis);
  warnings.push(...oxidation.warnings);

  const ctx: HostContext = { structure, analysis, supercell, supercellToInput: supercell.parentSites, oxidation, elements, dopants, request };
  const types = requestedTypes(request);
  if (request.interstitial_sites?.length && !types.includes('interstitial')) {
    warnings.push('interstitial_sites were given but interstitials were not requested (defect_types): the sites were not used');
  }
  // The defaults are always resolved, so only settings other than the defaults can have been asked for in vain.
  if (!request.output_formats.includes('vasp') && !isDefaultVaspSettings(request.vasp_settings)) {
    warnings.push('vasp_settings were given but vasp was not requested (output_formats): the settings were not used');
  }
  const drafts: DefectDraft[] = [];
  if (types.includes('vacancy')) {
    progress('vacancies', STAGE_START.vacancies);
    drafts.push(...vacancyDrafts(ctx));
  }
  if (types.includes('substitution')) {
    progress('substitutions', STAGE_START.substitutions);
    drafts.push(...substitutionDrafts(ctx));
  }
  if (types.includes('interstitial')) {
    progress('interstitials', STAGE_START.interstitials);
    const found = interstitialCandidates(ctx);
    drafts.push(...found.drafts);
    warnings.push(...found.warnings);
  }

  const selected = selectDefects(ctx, drafts);
  const { placed, groups } = selected;
  warnings.push(...selected.warnings);

  progress('writing', STAGE_START.writing);
  const formats = structureFormats(request);
  const bulk = bulkSupercell(ctx);
  const bulkFormula = cellFormula(bulk.structure);
  const fingerprint = hostFingerprint(structure);
  const candidates: DefectCandidate[] = [];
  const entries: DefectEntry[] = [];
  const noPotcar = new Set<string>();
  placed.forEach((p, i) => {
    const { structure: defect, frac } = defectStructure(ctx, p, bulk);
    const { draft } = p;
    const id = candidateId(fingerprint, ctx, p);
    candidates.push({
      id,
      name: p.name,
      defect_type: draft.family,
      group: p.group,
      species: draft.species,
      host_species: draft.hostSpecies,
      wyckoff: draft.label.wyckoff,
      site_symmetry: draft.label.siteSymmetry,
      point_group: draft.label.pointGroup,
      multiplicity: draft.label.multiplicity,
      supercell_multiplicity: draft.supercellPositions.length,
      unit_cell_frac_coords: roundVec(draft.unitCellFrac),
      // doped's choice among the orbit's points (its sort key), so the tables read as doped's do.
      conventional_cell_frac_coords: roundVec(p.conventionalCoords),
      frac_coords: roundVec(frac),
      cart_coords: roundVec(cartesianOf(ctx, frac)),
      nearest_neighbors: p.nearestNeighbors,
      charge_states: p.chargeStates,
      n_atoms: defect.species.length,
      ...(draft.extra ?? {}),
      structures: structureOutputs(defect, formats, `${p.name} ${formula(defect)}`),
    });
    const charged = defectEntries({ id, name: p.name, charge_states: p.chargeStates }, defect.species);
    entries.push(...charged.entries);
    for (const el of charged.missing) noPotcar.add(el);
    progress('writing', STAGE_START.writing + Math.floor(((100 - STAGE_START.writing) * (i + 1)) / Math.max(1, placed.length)));
  });

  if (noPotcar.size > 0) {
    warnings.push(
      `no default POTCAR for ${[...noPotcar].join(', ')} (doped's PotcarSet has none): the entries carry no nelect or nupdown; ` +
        'the vasp folders are written with the element marked in POTCAR.spec and no NELECT or NUPDOWN in their INCARs: choose a POTCAR and set them',
    );
  }
  const answer: DefectAnswer = {
    version: LIBRARY_VERSION,
    host: {
      formula: formula(structure),
      space_group: spaceGroupReport(analysis),
      symmetry_sensitivity: analysis.sensitivity,
      n_sites: structure.species.length,
      lattice: structure.lattice.matrix.map((r) => roundVec(r)),
      // Canonical sites in a canonical order: the answer never depends on the order of the atoms.
      sites: hostSites(structure, analysis, oxidation.perSite).map((site) => ({ ...site, frac_coords: roundVec(site.frac_coords) })),
      symmetry_operations: symmetryOperationsReport(analysis),
      oxidation_states: oxidation.byElement,
      oxidation_state_method: oxidation.method,
      input_format: host.format,
    },
    supercell: {
      matrix: supercell.matrix,
      base: supercell.base,
      n_atoms: supercell.nSites,
      min_image_distance: Math.round(supercell.minImageDistance * 1000) / 1000,
      lattice: supercell.structure.lattice.matrix.map((r) => roundVec(r)),
    },
    bulk: {
      formula: bulkFormula,
      n_atoms: bulk.structure.species.length,
      structures: structureOutputs(bulk.structure, formats, `${bulkFormula} -- Bulk`),
    },
    parameters: request,
    candidates,
    entries,
    groups,
    warnings,
  };
  progress('writing', 100);
  return answer;
}

/**
 * The answer's space group: the group, the tolerance asked for (the group holds within it on every
 * atom), and every group moyo gave at the tolerances tried (symmetry/analyze.ts).
 */
export function spaceGroupReport(analysis: SymmetryAnalysis): DefectAnswer['host']['space_group'] {
  return {
    number: analysis.number,
    symbol: analysis.symbol,
    symprec: analysis.symprec,
    tried: analysis.tried.map((t) => ({ symprec: t.symprec, number: t.number, symbol: t.symbol, holds: t.holds })),
  };
}

/**
 * The answer's symmetry operations (symmetry/label.ts, inputFrameOperations): at most 48 coset
 * representatives in the input cell's frame and the input cell's pure translations, rather than
 * their |point group|·N products (48,000 for a 10×10×10 supercell given as input).
 */
function symmetryOperationsReport(analysis: SymmetryAnalysis): DefectAnswer['host']['symmetry_operations'] {
  const operations = inputFrameOperations(analysis);
  return {
    rotations: operations.map((op) => op.rotation.map((r) => [...r])),
    translations: operations.map((op) => roundVec([...op.translation])),
    pure_translations: analysis.translations.map((t) => roundVec([...t])),
  };
}

/** Coordinates in the answer carry 8 decimals: enough for any use, and free of float noise. */
function roundVec<T extends number[]>(v: T): T {
  return v.map((x) => {
    const r = Math.round(x * 1e8) / 1e8;
    return Object.is(r, -0) ? 0 : r;
  }) as T;
}
