/**
 * One size of the scaling benchmark, in a fresh process so its memory is its own:
 * `node --expose-gc --import tsx bench/core/scaling-child.ts <fixtures dir> <n> <budget ms>`.
 * Prints one JSON line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generate } from '@defect-candidates/core';
import { measure } from './measure.ts';

const [fixturesDir, nArg, budgetArg] = process.argv.slice(2);
const n = Number(nArg);
const budgetMs = Number(budgetArg);
const input = { content: readFileSync(join(fixturesDir, 'structures', 'CdTe.cif'), 'utf8'), filename: 'CdTe.cif' };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Peak resident set since the last reset (Linux VmHWM), in bytes; null where /proc is missing. */
function residentPeak(): number | null {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS, so the peak measured next is the run's own. */
function resetResidentPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

// Load moyo and compile the pipeline on the smallest cell, so the baseline is a ready process.
generate(input, { supercell: [1] });
gc();
const peakIsRunOwn = resetResidentPeak();
const baselineRss = process.memoryUsage().rss;
const baselineHeap = process.memoryUsage().heapUsed;

const t0 = performance.now();
const answer = generate(input, { supercell: [n] });
const firstMs = performance.now() - t0;
const peakRss = residentPeak() ?? process.resourceUsage().maxRSS * 1024;
const retainedHeap = process.memoryUsage().heapUsed - baselineHeap;
const answerBytes = Buffer.byteLength(JSON.stringify(answer));

const m = measure(input, { supercell: [n] }, { warmup: 1, minIterations: 5, maxIterations: 200, budgetMs });
process.stdout.write(
  `${JSON.stringify({ n, nAtoms: answer.supercell.n_atoms, nCandidates: answer.candidates.length, firstMs, baselineRss, peakRss, peakIsRunOwn, retainedHeap, answerBytes, measurement: m })}\n`,
);
