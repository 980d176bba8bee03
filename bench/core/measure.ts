import { performance } from 'node:perf_hooks';
import type { DefectRequestInput, StructureInput } from '@defect-candidates/core';
import { median, p95 } from '../stats.ts';
import { STAGES, type Stage, stagedGenerate, timedGenerate } from './stages.ts';

export interface StageSummary {
  median: number;
  p95: number;
}

export interface Measurement {
  iterations: number;
  nAtoms: number;
  nCandidates: number;
  stages: Record<Stage, StageSummary>;
  /** read + symmetry + supercell: what the API runs while accepting a request. */
  prepare: StageSummary;
  /**
   * symmetry + oxidation + the family stages + select: roughly what pymatgen-analysis-defects'
   * generators were timed on (they find symmetry and sites, but neither read files, build
   * supercells nor write structures).
   */
  generatorWork: StageSummary;
  /** Sum of the staged run's stages. */
  stagedTotal: StageSummary;
  /** A real `generate()` call, timed from outside. */
  total: StageSummary;
}

export interface MeasureOptions {
  /** Runs before measuring, so the JIT and moyo's wasm are warm. */
  warmup: number;
  minIterations: number;
  maxIterations: number;
  /** Stop after this much wall time once minIterations are done. */
  budgetMs: number;
}

const summary = (values: number[]): StageSummary => ({ median: median(values), p95: p95(values) });

/**
 * Alternates a staged run and a plain `generate()` call until the budget is spent, so both see
 * the same machine conditions.
 */
export function measure(input: StructureInput, request: DefectRequestInput, options: MeasureOptions): Measurement {
  for (let i = 0; i < options.warmup; i++) {
    stagedGenerate(input, request);
    timedGenerate(input, request);
  }
  const perStage = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
  const prepare: number[] = [];
  const staged: number[] = [];
  const work: number[] = [];
  const totals: number[] = [];
  let nAtoms = 0;
  let nCandidates = 0;
  const start = performance.now();
  let i = 0;
  while (i < options.maxIterations && (i < options.minIterations || performance.now() - start < options.budgetMs)) {
    const run = stagedGenerate(input, request);
    for (const s of STAGES) perStage[s].push(run.times[s]);
    prepare.push(run.times.read + run.times.symmetry + run.times.supercell);
    staged.push(run.sum);
    const t = run.times;
    work.push(t.symmetry + t.oxidation + t.vacancies + t.substitutions + t.interstitials + t.select);
    const real = timedGenerate(input, request);
    totals.push(real.ms);
    nAtoms = run.nAtoms;
    nCandidates = real.answer.candidates.length;
    i++;
  }
  return {
    iterations: i,
    nAtoms,
    nCandidates,
    stages: Object.fromEntries(STAGES.map((s) => [s, summary(perStage[s])])) as Record<Stage, StageSummary>,
    prepare: summary(prepare),
    generatorWork: summary(work),
    stagedTotal: summary(staged),
    total: summary(totals),
  };
}
