import { signedCharge } from '../defects/entries.ts';
import type { DefectAnswer, DefectCandidate } from '../defects/types.ts';
import type { DefectType } from '../request.ts';

const FAMILY_TITLES: [DefectType, string][] = [
  ['vacancy', 'Vacancies'],
  ['substitution', 'Substitutions'],
  ['interstitial', 'Interstitials'],
];

/** doped's charge list: `[+1,0,-1,-2]`. */
function chargeText(charges: readonly number[]): string {
  return `[${charges.map(signedCharge).join(',')}]`;
}

/** Columns padded to their widest cell, two spaces apart, a dashed rule under the header (tabulate's `simple` style, as doped prints). */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function row(c: DefectCandidate): string[] {
  const conventional = `[${c.conventional_cell_frac_coords.map((x) => x.toFixed(3)).join(',')}]`;
  return [c.name, chargeText(c.charge_states), conventional, c.wyckoff, c.site_symmetry, String(c.multiplicity)];
}

/**
 * What `generate` prints on stderr, after doped's `DefectsGenerator` summary: one table per family
 * (Vacancies, Substitutions, Interstitials) with each defect's name, guessed charge states,
 * conventional-cell coordinates and Wyckoff label, plus its site symmetry and multiplicity; then one
 * line on the host and the supercell; then the warnings (among them what the caps dropped) and why
 * a group is empty.
 */
export function defectTables(answer: DefectAnswer): string {
  const out: string[] = [];
  for (const [family, title] of FAMILY_TITLES) {
    const rows = answer.candidates.filter((c) => c.defect_type === family).map(row);
    if (rows.length === 0) continue;
    out.push(...table([title, 'Guessed Charges', 'Conv. Cell Coords', 'Wyckoff', 'Site Symmetry', 'Multiplicity'], rows), '');
  }
  const { host, supercell } = answer;
  const entries = answer.entries ?? [];
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  out.push(
    `${host.formula} (${host.space_group.symbol}, #${host.space_group.number}): ${count(answer.candidates.length, 'defect', 'defects')}, ` +
      `${count(entries.length, 'defect entry', 'defect entries')}; ` +
      `supercell of ${supercell.n_atoms} atoms, minimum image distance ${supercell.min_image_distance} Å`,
  );
  for (const g of answer.groups) if (g.generated === 0 && g.reason) out.push(`${g.group}: none (${g.reason})`);
  for (const w of answer.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}
