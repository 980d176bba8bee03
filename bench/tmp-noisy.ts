import { readFileSync } from 'node:fs';
import { readStructure } from '../packages/core/src/io/read.ts';
import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
import { findPureTranslations } from '../packages/core/src/symmetry/translations.ts';
import { siteTypes } from '../packages/core/src/symmetry/moyo-convert.ts';
import type { Vec3 } from '../packages/core/src/base/linalg.ts';
function shaken(structure: any, amplitude: number) {
  let state = 12345;
  const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 4294967296 - 0.5; };
  const lengths = structure.lattice.matrix.map((row: number[]) => Math.hypot(...row));
  return { ...structure, fracCoords: structure.fracCoords.map((p: Vec3) => p.map((x, i) => x + (amplitude * next()) / lengths[i]) as Vec3) };
}
for (const f of ['MgO.json', 'CdTe.cif']) {
  const s = shaken(readStructure(readFileSync('fixtures/structures/' + f, 'utf8'), { filename: f }).structure, 0.008);
  const t = findPureTranslations(s, siteTypes(s), 0.01);
  console.log(f, t.vectors.length, t.warning);
  const a = analyzeSymmetry(s);
  console.log(a.symbol, a.tried, a.warnings);
}
