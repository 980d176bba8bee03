import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { generate } from '../packages/core/src/generate.ts';
const root = '/work/wt/issue-11/fixtures/';
const files = [
  ...readdirSync(root + 'structures').map((f) => 'structures/' + f),
  ...readdirSync(root + 'cases').filter((f) => !f.endsWith('.json') && !f.endsWith('.md') && !f.endsWith('.gz')).map((f) => 'cases/' + f),
  ...readdirSync(root + 'doped').filter((f) => f.endsWith('.vasp')).map((f) => 'doped/' + f),
];
const out: Record<string, unknown> = {};
for (const f of files) {
  const t = performance.now();
  try {
    const a = generate({ content: readFileSync(root + f, 'utf8'), filename: f.split('/')[1] }, { max_candidates: 200, max_candidates_per_type: 100 });
    out[f] = {
      sg: a.host.space_group, sites: a.host.sites.map((s) => `${s.element} ${s.wyckoff} ${s.point_group} ${s.multiplicity}`),
      supercell: a.supercell,
      cands: a.candidates.map((c) => ({ name: c.name, w: c.wyckoff, pg: c.point_group, m: c.multiplicity, sm: c.supercell_multiplicity, u: c.unit_cell_frac_coords, conv: c.conventional_cell_frac_coords, f: c.frac_coords, id: c.id, q: c.charge_states })),
      warnings: a.warnings,
    };
  } catch (e) { out[f] = { error: String(e) }; }
  console.log(f, (performance.now() - t).toFixed(0), 'ms');
}
writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
