import { readFileSync } from 'node:fs';
import { readStructure } from '../packages/core/src/io/read.ts';
import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
import { loadMoyo } from '../packages/core/src/symmetry/moyo.ts';
import { normalizerElements } from '../packages/core/src/symmetry/normalizer.ts';
import { toOperation } from '../packages/core/src/symmetry/moyo-convert.ts';
let t = performance.now(); loadMoyo(); console.log('load', performance.now() - t);
for (const [n, h] of [[216, 512], [225, 523], [167, 460], [227, 525], [191, 485], [1,1], [12, 63]]) {
  const ops = loadMoyo().operations_from_number(n, { type: 'HallNumber', value: h }, false).map(toOperation);
  t = performance.now(); const e = normalizerElements(n, h, ops); console.log(n, 'normalizer', (performance.now() - t).toFixed(1), e.length);
}
for (const f of ['structures/CdTe.cif', 'structures/Cu.cif', 'structures/GaN.vasp', 'doped/ZnS.vasp', 'structures/Al2O3.cif']) {
  const s = readStructure(readFileSync('fixtures/' + f, 'utf8'), { filename: f.split('/')[1] }).structure;
  analyzeSymmetry(s);
  t = performance.now(); for (let i = 0; i < 50; i++) analyzeSymmetry(s); console.log(f, ((performance.now() - t) / 50).toFixed(2), 'ms');
}
