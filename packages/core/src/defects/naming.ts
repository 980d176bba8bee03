import type { DefectType } from '../request.ts';

/**
 * doped's defect names. The base is pymatgen's (`v_Cd`, `Cd_Te`, `Mg_Cd`, `Cd_i`); interstitials
 * always carry their site's point group (`Cd_i_C3v`). When two defects would share a name, both get
 * the point group (`v_Cd_Td`), then the nearest-neighbour element and distance (`v_Cd_Td_Te2.83`),
 * then the next neighbour shells appended (`…Te2.83Cd4.62`), and as a last resort letters.
 */

export interface NameableDefect {
  family: DefectType;
  /** Added element (substitutions, interstitials). */
  species: string | null;
  /** Removed element (vacancies, substitutions). */
  hostSpecies: string | null;
  pointGroup: string;
  /** Closest-site info of the first neighbour shells, nearest first ('Te2.83', 'Cd4.62', …). */
  shells: string[];
}

export function baseName(d: Pick<NameableDefect, 'family' | 'species' | 'hostSpecies'>): string {
  if (d.family === 'vacancy') return `v_${d.hostSpecies}`;
  if (d.family === 'substitution') return `${d.species}_${d.hostSpecies}`;
  return `${d.species}_i`;
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

/** Unique names for a list of symmetry-distinct defects, in the order given. */
export function nameDefects(defects: NameableDefect[]): string[] {
  const names = defects.map((d) => (d.family === 'interstitial' ? `${baseName(d)}_${d.pointGroup}` : baseName(d)));
  // Each refinement step only touches names still shared by more than one defect.
  const steps: ((i: number, name: string) => string)[] = [
    (i, name) => (defects[i].family === 'interstitial' ? name : `${name}_${defects[i].pointGroup}`),
    (i, name) => (defects[i].shells[0] ? `${name}_${defects[i].shells[0]}` : name),
    (i, name) => `${name}${defects[i].shells[1] ?? ''}`,
    (i, name) => `${name}${defects[i].shells[2] ?? ''}`,
  ];
  for (const step of steps) {
    const counts = countNames(names);
    for (let i = 0; i < names.length; i++) if (counts.get(names[i])! > 1) names[i] = step(i, names[i]);
  }
  const counts = countNames(names);
  const used = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    if (counts.get(names[i])! > 1) {
      const k = used.get(names[i]) ?? 0;
      used.set(names[i], k + 1);
      names[i] = `${names[i]}${letters(k)}`;
    }
  }
  return names;
}

/**
 * Names of the copies of one symmetry class when deduplication is off (every supercell site its own
 * candidate): the class name, then a letter per copy in supercell order (`v_Cd_a`, `v_Cd_b`, …).
 */
export function copyName(className: string, copyIndex: number, copies: number): string {
  return copies > 1 ? `${className}_${letters(copyIndex)}` : className;
}

function countNames(names: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}
