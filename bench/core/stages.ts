/**
 * The core's pipeline, stage by stage, each stage timed on its own.
 *
 * `generate()` reports progress at stage starts, but two pieces of work sit between its markers
 * (the host's oxidation-state guess before the first family, and naming, charge guessing and caps
 * after the last one), so timing by its callbacks would charge them to `supercell` and to whichever
 * family ran last. This module calls the same functions in the same order as `generate()` and
 * times each step; `checkMirror` verifies that it still produces the candidates `generate()` does.
 */
import { performance } from 'node:perf_hooks';
import { type DefectAnswer, type DefectRequestInput, type StructureInput, formula, generate } from '@defect-candidates/core';
import { elementOrder, hostOxidationStates } from '../../packages/core/src/charges/oxidation.ts';
import { interstitialCandidates } from '../../packages/core/src/defects/interstitial.ts';
import { defectEntries } from '../../packages/core/src/defects/entries.ts';
import { bulkSupercell, candidateId, cartesianOf, defectStructure, hostFingerprint, selectDefects } from '../../packages/core/src/defects/pipeline.ts';
import { substitutionDrafts } from '../../packages/core/src/defects/substitution.ts';
import type { DefectDraft, HostContext, StructureOutputs } from '../../packages/core/src/defects/types.ts';
import { vacancyDrafts } from '../../packages/core/src/defects/vacancy.ts';
import { readStructure } from '../../packages/core/src/io/read.ts';
import { structureOutputs } from '../../packages/core/src/output/structures.ts';
import { parseRequest, requestedTypes, structureFormats } from '../../packages/core/src/request.ts';
import { analyzeSymmetry } from '../../packages/core/src/symmetry/analyze.ts';
import { resolveSupercell } from '../../packages/core/src/supercell/resolve.ts';

export const STAGES = ['read', 'symmetry', 'supercell', 'oxidation', 'vacancies', 'substitutions', 'interstitials', 'select', 'writing'] as const;
export type Stage = (typeof STAGES)[number];
export type StageTimes = Record<Stage, number>;

export interface StagedRun {
  times: StageTimes;
  /** Sum of the stages. */
  sum: number;
  names: string[];
  nAtoms: number;
}

/** One generation, the way `generate()` runs it, with each stage's milliseconds. */
export function stagedGenerate(input: StructureInput, requestInput: DefectRequestInput, onLap?: (stage: Stage) => void): StagedRun {
  const times = Object.fromEntries(STAGES.map((s) => [s, 0])) as StageTimes;
  let t = performance.now();
  const lap = (stage: Stage) => {
    const now = performance.now();
    times[stage] += now - t;
    onLap?.(stage);
    t = performance.now();
  };

  const request = parseRequest(requestInput);
  const read = readStructure(input.content, { format: input.format, filename: input.filename, species: input.species });
  lap('read');
  const analysis = analyzeSymmetry(read.structure, { symprec: request.symprec });
  lap('symmetry');
  const supercell = resolveSupercell(read.structure, analysis, request.supercell, { minImageDistance: request.min_image_distance });
  lap('supercell');

  const structure = read.structure;
  const elements = elementOrder(structure);
  const dopants = request.dopant_elements.filter((d) => !elements.includes(d));
  const oxidation = hostOxidationStates(structure, analysis);
  const ctx: HostContext = { structure, analysis, supercell, supercellToInput: supercell.parentSites, oxidation, elements, dopants, request };
  lap('oxidation');

  const types = requestedTypes(request);
  const drafts: DefectDraft[] = [];
  if (types.includes('vacancy')) {
    drafts.push(...vacancyDrafts(ctx));
    lap('vacancies');
  }
  if (types.includes('substitution')) {
    drafts.push(...substitutionDrafts(ctx));
    lap('substitutions');
  }
  if (types.includes('interstitial')) {
    drafts.push(...interstitialCandidates(ctx).drafts);
    lap('interstitials');
  }
  const { placed } = selectDefects(ctx, drafts);
  lap('select');

  const formats = structureFormats(request);
  const bulk = bulkSupercell(ctx);
  const fingerprint = hostFingerprint(structure);
  const ids: string[] = [];
  const outputs: StructureOutputs[] = [structureOutputs(bulk.structure, formats, 'bulk')];
  for (const p of placed) {
    const { structure: defect, frac } = defectStructure(ctx, p, bulk);
    ids.push(candidateId(fingerprint, ctx, p));
    cartesianOf(ctx, frac);
    outputs.push(structureOutputs(defect, formats, `${p.name} ${formula(defect)}`));
    defectEntries({ id: ids.at(-1)!, name: p.name, charge_states: p.chargeStates }, defect.species);
  }
  lap('writing');

  const sum = STAGES.reduce((a, s) => a + times[s], 0);
  return { times, sum, names: placed.map((p) => p.name), nAtoms: supercell.nSites };
}

/** One real `generate()` call: the figure users get. */
export function timedGenerate(input: StructureInput, request: DefectRequestInput): { ms: number; answer: DefectAnswer } {
  const t0 = performance.now();
  const answer = generate(input, request);
  return { ms: performance.now() - t0, answer };
}

/** Null when the staged run makes the same candidates as `generate()`, else what differs. */
export function checkMirror(input: StructureInput, request: DefectRequestInput): string | null {
  const staged = stagedGenerate(input, request).names;
  const real = generate(input, request).candidates.map((c) => c.name);
  if (staged.join('\n') === real.join('\n')) return null;
  return `staged pipeline made [${staged.join(', ')}] but generate() made [${real.join(', ')}]`;
}
