import { readFileSync, readdirSync } from 'node:fs';
import { readStructure } from '../packages/core/src/io/read.ts';
import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
const root = '/work/wt/issue-11/fixtures/';
const files = process.argv.slice(2).length ? process.argv.slice(2) : [
  ...readdirSync(root + 'structures').map((f) => 'structures/' + f),
  ...readdirSync(root + 'cases').filter((f) => !f.endsWith('.json') && !f.endsWith('.md') && !f.endsWith('.gz')).map((f) => 'cases/' + f),
  ...readdirSync(root + 'doped').filter((f) => f.endsWith('.vasp')).map((f) => 'doped/' + f),
];
for (const f of files) {
  let s;
  try { s = readStructure(readFileSync(root + f, 'utf8'), { filename: f.split('/')[1] }).structure; } catch (e) { console.log(f, 'READ', String(e).slice(0, 80)); continue; }
  const t = performance.now();
  const a = analyzeSymmetry(s);
  const ms = performance.now() - t;
  const seen = new Set<number>();
  const labels = s.species.map((el, i) => ({ el, i })).filter(({ i }) => { if (seen.has(a.orbits[i])) return false; seen.add(a.orbits[i]); return true; })
    .map(({ el, i }) => `${el} ${a.sites[i].wyckoff} ${a.sites[i].pointGroup} m=${a.sites[i].multiplicity} [${a.sites[i].conventionalFracCoords.map((v) => v.toFixed(3))}]`);
  console.log(f, a.symbol, a.number, `N=${a.translations.length} ops=${a.primitive.operations.length}`, ms.toFixed(1) + 'ms', labels.join('; '));
  console.log('   tried', a.tried.map((t) => `${t.symprec}:${t.symbol}${t.holds ? '' : '(x)'}`).join(' '), 'sens', a.sensitivity.map((t) => `${t.symprec}:${t.symbol}`).join(' '));
  for (const w of a.warnings) console.log('   W', w);
}
