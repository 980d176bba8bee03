import { analyzeSymmetry } from '../packages/core/src/symmetry/analyze.ts';
import type { Structure } from '../packages/core/src/base/structure.ts';
const h = 6.5407 / 2;
const cell = (c: number[], t: number[], te1 = false): Structure => ({ lattice: { matrix: [[0, h, h], [h, 0, h], [h, h, 0]] }, species: te1 ? ['Te', 'Cd'] : ['Cd', 'Te'], fracCoords: te1 ? [t, c] as any : [c, t] as any });
for (const [c, t] of [[[0, 0, 0], [0.25, 0.25, 0.25]], [[-0.25, -0.25, -0.25], [0, 0, 0]], [[0.1, 0.2, 0.3], [0.35, 0.45, 0.55]]]) {
  console.log(analyzeSymmetry(cell(c, t)).sites.map((s) => s.wyckoff), analyzeSymmetry(cell(c, t, true)).sites.map((s) => s.wyckoff));
}
const a = 6.5407; const F = [[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]];
for (const sh of [[0, 0, 0], [-.25, -.25, -.25], [.37, .11, .52]]) {
  const pos = [...F.map((f) => f.map((v, k) => v + sh[k])), ...F.map((f) => f.map((v, k) => v + .25 + sh[k]))];
  const s: Structure = { lattice: { matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]] }, species: ['Cd', 'Cd', 'Cd', 'Cd', 'Te', 'Te', 'Te', 'Te'], fracCoords: pos as any };
  console.log(sh, analyzeSymmetry(s).sites.map((x) => x.wyckoff).join(' '));
}
