import { generate } from '../packages/core/src/generate.ts';
import { readStructure } from '../packages/core/src/io/read.ts';
import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
const n = Number(process.argv[2] ?? 10);
const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * n}`, 'Fe', String(n * n * n), 'Direct'];
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) lines.push(`${i / n} ${j / n} ${k / n}`);
const input = { content: lines.join('\n'), format: 'poscar' as const };
let t = performance.now();
const s = readStructure(input.content, { format: 'poscar' }).structure;
console.log('read', (performance.now() - t).toFixed(0));
t = performance.now();
const a = analyzeSymmetry(s);
console.log('symmetry', (performance.now() - t).toFixed(0), a.symbol, a.translations.length);
t = performance.now();
const stages: [string, number][] = [];
const ans = generate(input, {}, { onProgress: (st) => stages.push([st, performance.now()]) });
console.log('generate', (performance.now() - t).toFixed(0), ans.candidates.length, ans.supercell.n_atoms);
let prev = t; for (const [st, at] of stages) { console.log('  ', st, (at - prev).toFixed(0)); prev = at; }
