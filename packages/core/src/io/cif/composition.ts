import { isElement } from '../../base/elements.ts';
import { formula, type Structure } from '../../base/structure.ts';
import { previewList } from '../../base/preview.ts';
import { isNull, type CifBlock, type CifValue } from './document.ts';

/**
 * Relative difference allowed between the proportions of the sites and of the stated formula:
 * pymatgen's CifParser.check compares the same ratios with `comp_tol` 0.01.
 */
const PROPORTION_TOLERANCE = 0.01;

/**
 * Element counts of a CIF formula (`_chemical_formula_sum 'H2 Mg O2'`, `_chemical_formula_structural
 * 'Mg(OH)2'`): symbols with optional decimal counts, separated by spaces or not, with parenthesised
 * groups and their multipliers. `D` counts as H (deuterium, read as hydrogen on sites too).
 * Undefined for anything else (charges, moieties, prose), which is then not compared.
 */
export function parseFormula(text: string): Map<string, number> | undefined {
  const stack: Map<string, number>[] = [new Map()];
  const token = /\s*(?:([A-Z][a-z]?)|([([])|([)\]])|(\d+(?:\.\d+)?|\.\d+))/y;
  let last: Map<string, number> | string | undefined;
  let at = 0;
  const add = (into: Map<string, number>, element: string, n: number) => into.set(element, (into.get(element) ?? 0) + n);
  const trimmed = text.trim();
  while (at < trimmed.length) {
    token.lastIndex = at;
    const m = token.exec(trimmed);
    if (!m) return undefined;
    at = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) {
      const element = m[1] === 'D' ? 'H' : m[1];
      if (!isElement(element)) return undefined;
      add(top, element, 1);
      last = element;
    } else if (m[2] !== undefined) {
      stack.push(new Map());
      last = undefined;
    } else if (m[3] !== undefined) {
      if (stack.length === 1) return undefined;
      const group = stack.pop()!;
      for (const [el, n] of group) add(stack[stack.length - 1], el, n);
      last = group;
    } else {
      // A count multiplies what it follows: the last symbol (already counted once) or a closed group.
      const n = Number(m[4]);
      if (last === undefined) return undefined;
      const into = stack[stack.length - 1];
      if (typeof last === 'string') add(into, last, n - 1);
      else for (const [el, k] of last) add(into, el, k * (n - 1));
      last = undefined;
    }
  }
  if (stack.length !== 1 || stack[0].size === 0) return undefined;
  return stack[0];
}

/**
 * Warnings when the sites read do not hold what the CIF says the crystal holds: hydrogen atoms
 * attached to sites (`_atom_site_attached_hydrogens`, per row; pymatgen warns "Structure has
 * implicit hydrogens defined"), and elements or proportions that differ from
 * `_chemical_formula_sum` (else `_chemical_formula_structural`), as pymatgen's CifParser.check
 * finds them. Hydrogen that X-ray studies could not place is the usual cause, and a structure
 * without it gets defects of another compound; the caller builds the structure regardless.
 * `attached[i]` is the attached hydrogen count of the row that gave site i, `carriers` the labels of those rows.
 */
export function compositionWarnings(block: CifBlock, structure: Structure, attached: number[], carriers: string[]): string[] {
  const warnings: string[] = [];
  const implicit = attached.reduce((a, b) => a + b, 0);
  if (implicit > 0) {
    warnings.push(
      `CIF: the structure has implicit hydrogens: _atom_site_attached_hydrogens puts ${implicit} H per cell on ${previewList(carriers)}, ` +
        `not listed as sites, so they are missing from the structure read (${formula(structure)}); add their sites to include them`,
    );
  }
  const stated = ['_chemical_formula_sum', '_chemical_formula_structural'].map((tag) => ({ tag, value: block.items.get(tag) })).find((f) => !isNull(f.value));
  if (!stated) return warnings;
  const expected = parseFormula(stated.value!.text);
  if (!expected) return warnings;
  const mismatch = formulaMismatch(structure, expected, stated.tag, stated.value!);
  if (mismatch) warnings.push(mismatch);
  return warnings;
}

function formulaMismatch(structure: Structure, expected: Map<string, number>, tag: string, value: CifValue): string | undefined {
  const counts = new Map<string, number>();
  for (const el of structure.species) counts.set(el, (counts.get(el) ?? 0) + 1);
  const stated = `${tag} '${value.text}' (line ${value.line})`;
  const read = `the structure read is ${formula(structure)}`;
  const missing = [...expected.keys()].filter((el) => !counts.has(el));
  if (missing.length > 0) {
    const hydrogen = missing.includes('H') ? ' (X-ray studies often leave hydrogen unplaced)' : '';
    return `CIF: ${stated} lists ${missing.join(', ')}, which no site holds${hydrogen}: ${read}, without ${missing.length === 1 ? 'that element' : 'those elements'}; add the missing sites`;
  }
  const extra = [...counts.keys()].filter((el) => !expected.has(el));
  if (extra.length > 0) return `CIF: the sites hold ${extra.join(', ')}, which ${stated} does not list: ${read}; check the sites' elements`;
  const ratios = [...expected].map(([el, n]) => counts.get(el)! / n);
  const [low, high] = [Math.min(...ratios), Math.max(...ratios)];
  if (high - low > PROPORTION_TOLERANCE * high) {
    const perCell = [...counts].map(([el, n]) => `${el}${n}`).join(' ');
    return `CIF: the sites give ${perCell} per cell, not the proportions of ${stated}: ${read}; check for missing, extra or merged sites`;
  }
  return undefined;
}
