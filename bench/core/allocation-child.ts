/**
 * Heap allocated by one `generate()` of CdTe n×n×n, per stage, in a fresh process whose young
 * generation is large enough that no garbage collection runs during the call: the growth of
 * heapUsed is then everything the call allocated, an upper bound of its peak heap.
 * `node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 --import tsx bench/core/allocation-child.ts <fixtures dir> <n>`
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { STAGES, type Stage, stagedGenerate } from './stages.ts';

const [fixturesDir, nArg] = process.argv.slice(2);
const n = Number(nArg);
const input = { content: readFileSync(join(fixturesDir, 'structures', 'CdTe.cif'), 'utf8'), filename: 'CdTe.cif' };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

let collections = 0;
new PerformanceObserver((list) => {
  collections += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((r) => setTimeout(r, 50));

// Warm up at this size, so allocations of the compiler and first-call caches are not counted.
for (let i = 0; i < 3; i++) stagedGenerate(input, { supercell: [n] });

const runs: { total: number; stages: Record<Stage, number>; collections: number }[] = [];
for (let i = 0; i < 3; i++) {
  gc();
  await settle();
  const before = collections;
  const stages = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const start = process.memoryUsage().heapUsed;
  let last = start;
  stagedGenerate(input, { supercell: [n] }, (stage) => {
    const now = process.memoryUsage().heapUsed;
    stages[stage] += now - last;
    last = now;
  });
  await settle();
  runs.push({ total: last - start, stages, collections: collections - before });
}
const clean = runs.filter((r) => r.collections === 0);
const best = (clean.length > 0 ? clean : runs).sort((a, b) => a.total - b.total)[0];
process.stdout.write(`${JSON.stringify({ n, allocated: best.total, stages: best.stages, clean: clean.length > 0 })}\n`);
