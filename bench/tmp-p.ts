import { readFileSync } from 'node:fs';
import { readStructure } from '../packages/core/src/io/read.ts';
import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
const f = process.argv[2];
const s = readStructure(readFileSync('fixtures/' + f, 'utf8'), { filename: f.split('/')[1] }).structure;
analyzeSymmetry(s);
const t = performance.now(); for (let i = 0; i < 200; i++) analyzeSymmetry(s); console.log(f, ((performance.now() - t) / 200).toFixed(2), 'ms');
