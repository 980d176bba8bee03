import { atomicNumber, isElement, type ElementSymbol } from '../../base/elements.ts';
import { previewList } from '../../base/preview.ts';
import { normalizeElementCase } from '../species.ts';

/** The element a CIF site label stands for, and what had to be assumed to get it. */
export interface LabelElement {
  element: ElementSymbol;
  /** Set when the label is not the element's symbol followed by a number or tag (`Fe1`, `O2A`, `Al(1)`): how it was read. */
  guess?: string;
  /**
   * Set with `guess` when the guess follows no convention: letters after the symbol that could
   * have meant something else (`Oa1` as O, `NO3` as N, not No). A warning always names these;
   * a written convention (`OW1`) or a symbol in capitals (`FE1`) is routine.
   */
  unusual?: boolean;
  /** A water or hydroxyl oxygen: its hydrogen atoms are often not listed as sites. */
  implicitHydrogen?: boolean;
}

/**
 * Crystallographers' labels for water and hydroxyl groups, as pymatgen's CifParser reads them
 * (`_parse_symbol`: Hw → H, Ow and Wat → O; `O-H` and `Wat` carry implicit hydrogens). Without
 * them `Wat` reads as tungsten. pymatgen drops sites labelled `OH`/`OH2`; here they are hydroxyl
 * or water oxygens, since an atom that is in the file should not vanish. `HOH` is the PDB's
 * residue name for water (it read as holmium). `D` is deuterium, which neutron studies write:
 * read as H, as pymatgen (since 2024.1.26) and ASE do, since defects are named by element.
 */
const CONVENTIONS: { pattern: RegExp; element: ElementSymbol; meaning: string; implicitHydrogen: boolean }[] = [
  { pattern: /^wat/i, element: 'O', meaning: 'water oxygen', implicitHydrogen: true },
  { pattern: /^hoh/i, element: 'O', meaning: 'water oxygen', implicitHydrogen: true },
  { pattern: /^ow/i, element: 'O', meaning: 'water oxygen', implicitHydrogen: true },
  { pattern: /^hw/i, element: 'H', meaning: 'water hydrogen', implicitHydrogen: false },
  { pattern: /^o-h/i, element: 'O', meaning: 'hydroxyl oxygen', implicitHydrogen: true },
  // 'OH1' is a hydroxyl; 'OH2' may be one too, or a water molecule.
  { pattern: /^oh(?![a-z])/i, element: 'O', meaning: 'hydroxyl or water oxygen', implicitHydrogen: true },
  // 'D', 'D1', 'D2A'; not 'Dy1'.
  { pattern: /^d(?![a-z])/i, element: 'H', meaning: 'deuterium, read as hydrogen', implicitHydrogen: false },
];

/**
 * From fermium on, elements exist a few atoms at a time and are in no crystal structure, so a
 * label such as `NO3` (a nitrate's nitrogen, which pymatgen maps to N), `NH4` or `CN1` means
 * its first letter, not nobelium, nihonium or copernicium; and a label such as `Md1` or `Lr1`,
 * whose first letter is no element, is not read at all.
 */
const FIRST_UNCRYSTALLISED_Z = 100;

/**
 * The element a CIF site label (or a type symbol that is not an element) stands for: the water,
 * hydroxyl and deuterium conventions above; else the first two letters when they form an element
 * lighter than fermium (`Ca1` → Ca, as the CIF convention writes symbols); else the first letter
 * (`OW`, `C1a`, `NO3` → N); null when neither is such an element (`Q1`, `Md1`: see
 * `unreadableLabel` for why). Never returns an unknown element.
 */
export function elementFromLabel(label: string): LabelElement | null {
  const text = label.trim();
  const convention = CONVENTIONS.find((c) => c.pattern.test(text));
  if (convention) {
    return { element: convention.element, guess: `${convention.element} (${convention.meaning})`, implicitHydrogen: convention.implicitHydrogen };
  }
  const letters = /^[A-Za-z]{1,2}/.exec(text)?.[0];
  if (!letters) return null;
  const two = normalizeElementCase(letters);
  const one = two[0];
  let element: ElementSymbol;
  if (two.length === 2 && isElement(two) && atomicNumber(two)! < FIRST_UNCRYSTALLISED_Z) element = two;
  else if (isElement(one)) element = one;
  else return null;
  // 'Fe1', 'O2A', 'Al(1)': the symbol as written, then no letter. Anything else was a guess.
  const written = /^[A-Za-z]+/.exec(text)![0];
  if (written === element) return { element };
  // 'FE1': the symbol in capitals, as some programs write every label.
  if (written.toLowerCase() === element.toLowerCase()) return { element, guess: element };
  const instead = isElement(two) && two !== element ? `, not ${two}` : '';
  return { element, guess: `${element}${instead}`, unusual: true };
}

/** Why `elementFromLabel` gave null for a label, for the message that refuses its site. */
export function unreadableLabel(label: string): string {
  const letters = /^[A-Za-z]{1,2}/.exec(label.trim())?.[0];
  if (!letters) return `the label '${label}' does not start with a letter`;
  const two = normalizeElementCase(letters);
  if (isElement(two)) {
    return `the label '${label}' would be ${two} (Z = ${atomicNumber(two)}), but elements from fermium on are in no crystal structure, so no label is read as one`;
  }
  return `the label '${label}' does not start with an element symbol`;
}

/** A site whose element was guessed, and whether from its label or from a type symbol that is not an element (`Ow`, `Wat`). */
export interface ElementGuess {
  label: string;
  reading: LabelElement;
  from?: 'label' | 'type symbol';
}

/** Labels listed per reading: every unusual one (up to a bound that keeps a message a line), the routine ones up to 8. */
const UNUSUAL_SHOWN = 100;

/**
 * One warning per source (labels, type symbols) of the sites whose element was guessed, or none.
 * Sites are grouped by how they were read, unusual readings first and listed in full, so that a
 * long run of routine ones (`OW1` … `OW9`) never hides the one that may be wrong (`Oa1` as O).
 * It says that hydrogen may be implicit when a water or hydroxyl label was read.
 */
export function labelGuessWarnings(guesses: ElementGuess[]): string[] {
  const warnings: string[] = [];
  for (const from of ['label', 'type symbol'] as const) {
    const guessed = guesses.filter((g) => g.reading.guess !== undefined && (g.from ?? 'label') === from);
    if (guessed.length === 0) continue;
    const groups = new Map<string, { unusual: boolean; labels: string[] }>();
    for (const g of guessed) {
      const group = groups.get(g.reading.guess!) ?? { unusual: g.reading.unusual === true, labels: [] };
      group.labels.push(`'${g.label}'`);
      groups.set(g.reading.guess!, group);
    }
    const ordered = [...groups].sort(([, a], [, b]) => Number(b.unusual) - Number(a.unusual));
    const listed = ordered.map(([guess, g]) => `${previewList(g.labels, g.unusual ? UNUSUAL_SHOWN : 8)} as ${guess}`).join('; ');
    const n = guessed.length;
    const what =
      from === 'label'
        ? n === 1 ? 'the element of a site was guessed from its label' : `the elements of ${n} sites were guessed from their labels`
        : n === 1 ? 'the element of a site was guessed from its type symbol, which is not an element symbol' : `the elements of ${n} sites were guessed from their type symbols, which are not element symbols`;
    let warning = `CIF: ${what}: ${listed}`;
    if (guessed.some((g) => g.reading.implicitHydrogen)) {
      warning += '; hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure';
    }
    const advice = from === 'label' ? 'give _atom_site_type_symbol to state each element' : 'write element symbols in _atom_site_type_symbol to state each element';
    warnings.push(`${warning} (${advice})`);
  }
  return warnings;
}
