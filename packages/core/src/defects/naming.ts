import { PAULING_ELECTRONEGATIVITY } from '../base/electronegativity.ts';
import type { DefectType } from '../request.ts';

/**
 * doped's defect names, by doped's own procedure (`name_defect_entries` in doped/generation.py at
 * commit 93c8b99b). The base is pymatgen's (`v_Cd`, `Cd_Te`, `Mg_Cd`, `Cd_i`); interstitials always
 * carry their site's point group (`Cd_i_C3v`). Defects are named one after another; when a new one
 * would share a name with an earlier one, the earlier one's name is lengthened (point group, then
 * nearest-neighbour element and distance, `v_Cd_Td_Te2.83`) and so is the new one's; when even the
 * first three neighbours do not tell them apart (`…Cu1.56Ag1.56Cu2.99`) letters are appended, `a`
 * to the earlier and `b` to the later, then `c`, … So the order defects are named in decides which
 * gets which letter: doped names them sorted by their conventional-cell coordinates (see
 * `dopedSiteOrder`).
 */

export interface NameableDefect {
  family: DefectType;
  /** Added element (substitutions, interstitials). */
  species: string | null;
  /** Removed element (vacancies, substitutions). */
  hostSpecies: string | null;
  pointGroup: string;
  /**
   * doped's closest-site info of the nth neighbour shell ('Te2.83' for n = 1), or null when there
   * is none; asked for n = 1, 2, 3 as needed (see `closestSiteInfo`).
   */
  closest: (n: number) => string | null;
}

export function baseName(d: Pick<NameableDefect, 'family' | 'species' | 'hostSpecies'>): string {
  if (d.family === 'vacancy') return `v_${d.hostSpecies}`;
  if (d.family === 'substitution') return `${d.species}_${d.hostSpecies}`;
  return `${d.species}_i`;
}

/** doped's full name of one defect: base, point group and closest-site info, `v_Cd_Td_Te2.83`. */
function fullName(d: NameableDefect): string {
  return `${baseName(d)}_${d.pointGroup}_${d.closest(1) ?? ''}`;
}

/** Python's `name.rsplit("_", k)[0]`: the name without its last k `_` parts (the whole name for k < 1). */
function shorterName(name: string, k: number): string {
  if (k < 1) return name;
  const parts = name.split('_');
  return parts.slice(0, parts.length - Math.min(k, parts.length - 1)).join('_');
}

/**
 * doped's `_check_if_name_subset`: `short` names a subset of `long` when their `_` parts agree,
 * a closest-site part of `long` (one with a '.' and a digit) only having to start with `short`'s.
 */
function isNameSubset(long: string, short: string): boolean {
  const longParts = long.split('_');
  const shortParts = short.split('_');
  for (let i = 0; i < shortParts.length; i++) {
    const part = longParts[i];
    if (part === undefined) return false;
    if (part.includes('.') && /\d/.test(part)) {
      if (!part.startsWith(shortParts[i])) return false;
    } else if (part !== shortParts[i]) return false;
  }
  return true;
}

/** The name cut after its last digit: 'Ga_i_C3i_O2.83aa' → 'Ga_i_C3i_O2.83'. */
function untilLastDigit(name: string): string {
  const m = /\d(?!.*\d)/.exec(name);
  return m ? name.slice(0, m.index + 1) : name;
}

/**
 * Unique names for symmetry-distinct defects, in the order given (give them in doped's order to get
 * doped's letters). Throws when the procedure cannot separate two names, which doped reports as a
 * bug too (`Multiple defect names found`); it cannot happen for symmetry-distinct sites.
 */
export function nameDefects(defects: NameableDefect[]): string[] {
  // Insertion-ordered like Python's dict: a renamed entry moves to the end, which the letter step reads.
  const named = new Map<string, number>();
  const anySuperset = (short: string) => [...named.keys()].some((name) => isNameSubset(name, short));
  const closest = (index: number, n: number) => defects[index].closest(n);

  const renameUniqueMatch = (short: string, split: number) => {
    const matching = [...named.keys()].filter((name) => isNameSubset(name, short));
    if (matching.length !== 1) return;
    const previous = named.get(matching[0])!;
    named.delete(matching[0]);
    named.set(shorterName(fullName(defects[previous]), split - 1), previous);
  };

  const lettered = (full: string): string => {
    for (const name of [...named.keys()]) {
      if (name === full) {
        const previous = named.get(name)!;
        named.delete(name);
        named.set(`${name}a`, previous);
        return `${full}b`;
      }
      if (untilLastDigit(name) === full) {
        const suffixes = [...named.keys()]
          .filter((other) => untilLastDigit(other) === full)
          .map((other) => other.slice(full.length))
          .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
        const last = suffixes[suffixes.length - 1];
        if (last.endsWith('z')) return full + 'a'.repeat(last.length + 1);
        return full + last.slice(0, -1) + String.fromCharCode(last.charCodeAt(last.length - 1) + 1);
      }
    }
    throw new Error(`defect naming: cannot tell apart the defects named ${full}`);
  };

  const withNeighbours = (start: string, index: number): string => {
    let full = start;
    for (let n = 2; ; n++) {
      for (const name of [...named.keys()]) {
        if (name !== full) continue;
        const info = closest(named.get(name)!, n);
        if (info === null) return lettered(full);
        const previous = named.get(name)!;
        named.delete(name);
        named.set(name + info, previous);
      }
      const info = closest(index, n);
      if (info === null) return lettered(full);
      full += info;
      if (!anySuperset(full)) return full;
      if (n === 3) return lettered(full);
    }
  };

  defects.forEach((d, index) => {
    const full = fullName(d);
    const split = d.family === 'interstitial' ? 1 : 2;
    for (let level = 0; level < 3; level++) {
      const short = shorterName(full, split - level);
      if (!anySuperset(short)) {
        named.set(short, index);
        return;
      }
      if (level < 2) renameUniqueMatch(short, split - level);
    }
    named.set(withNeighbours(full, index), index);
  });

  if (named.size !== defects.length) throw new Error(`defect naming: ${defects.length} defects but ${named.size} distinct names`);
  const names = new Array<string>(defects.length);
  for (const [name, index] of named) names[index] = name;
  return names;
}

/**
 * The host elements in the order that breaks ties between neighbours at the same rounded distance
 * (`Si2.21` rather than `Sb2.21` in Sb2Si2Te6): doped takes the order of its primitive structure,
 * which `get_clean_structure` sorts by Pauling electronegativity, then symbol. (When the input is
 * already primitive doped keeps the file's order instead; we always sort, so that names never
 * depend on the order of atoms in the file.) Elements without an electronegativity go last.
 */
export function namingElementOrder(elements: string[]): string[] {
  const x = (el: string) => PAULING_ELECTRONEGATIVITY[el] ?? Infinity;
  return [...elements].sort((a, b) => x(a) - x(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Names of the copies of one symmetry class when deduplication is off (every supercell site its own
 * candidate): the class name, then a letter per copy in supercell order (`v_Cd_a`, `v_Cd_b`, …).
 */
export function copyName(className: string, copyIndex: number, copies: number): string {
  return copies > 1 ? `${className}_${letters(copyIndex)}` : className;
}

function letters(index: number): string {
  let s = '';
  let n = index;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}
