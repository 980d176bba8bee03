import { atomicNumber, isElement, type ElementSymbol } from '../../base/elements.ts';
import { previewList } from '../../base/preview.ts';
import { normalizeElementCase } from '../species.ts';

/** The element a CIF site label stands for, and what had to be assumed to get it. */
export interface LabelElement {
  element: ElementSymbol;
  /** Set when the label is not the element's symbol followed by a number or tag (`Fe1`, `O2A`, `Al(1)`): how it was read. */
  guess?: string;
  /** A water or hydroxyl oxygen: its hydrogen atoms are often not listed as sites. */
  implicitHydrogen?: boolean;
}

/**
 * Crystallographers' labels for water and hydroxyl groups, as pymatgen's CifParser reads them
 * (`_parse_symbol`: Hw → H, Ow and Wat → O; `O-H` and `Wat` carry implicit hydrogens). Without
 * them `Wat` reads as tungsten. pymatgen drops sites labelled `OH`/`OH2`; here they are hydroxyl
 * or water oxygens, since an atom that is in the file should not vanish.
 */
const CONVENTIONS: { pattern: RegExp; element: ElementSymbol; meaning: string; implicitHydrogen: boolean }[] = [
  { pattern: /^wat/i, element: 'O', meaning: 'water oxygen', implicitHydrogen: true },
  { pattern: /^ow/i, element: 'O', meaning: 'water oxygen', implicitHydrogen: true },
  { pattern: /^hw/i, element: 'H', meaning: 'water hydrogen', implicitHydrogen: false },
  { pattern: /^o-h/i, element: 'O', meaning: 'hydroxyl oxygen', implicitHydrogen: true },
  // 'OH1' is a hydroxyl; 'OH2' may be one too, or a water molecule.
  { pattern: /^oh(?![a-z])/i, element: 'O', meaning: 'hydroxyl or water oxygen', implicitHydrogen: true },
];

/**
 * From fermium on, elements exist a few atoms at a time and are in no crystal structure, so a
 * label such as `NO3` (a nitrate's nitrogen, which pymatgen maps to N), `NH4` or `CN1` means
 * its first letter, not nobelium, nihonium or copernicium.
 */
const FIRST_UNCRYSTALLISED_Z = 100;

/**
 * The element a CIF site label (or a type symbol that is not an element) stands for: the water
 * and hydroxyl conventions above; else the first two letters when they form an element lighter
 * than fermium (`Ca1` → Ca, as the CIF convention writes symbols); else the first letter (`OW`,
 * `C1a`, `NO3` → N); null when neither is an element. Never returns an unknown element.
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
  else if (isElement(two)) element = two;
  else return null;
  // 'Fe1', 'O2A', 'Al(1)': the symbol as written, then no letter. Anything else was a guess.
  const written = /^[A-Za-z]+/.exec(text)![0];
  if (written === element) return { element };
  const instead = isElement(two) && two !== element ? `, not ${two}` : '';
  return { element, guess: `${element}${instead}` };
}

/**
 * One warning for every site whose element was guessed from its label, or undefined when none
 * was; it says that hydrogen may be implicit when a water or hydroxyl label was read.
 */
export function labelGuessWarning(guesses: { label: string; reading: LabelElement }[]): string | undefined {
  const guessed = guesses.filter((g) => g.reading.guess !== undefined);
  if (guessed.length === 0) return undefined;
  const listed = previewList(guessed.map((g) => `'${g.label}' as ${g.reading.guess}`));
  const what = guessed.length === 1 ? 'the element of a site was guessed from its label' : `the elements of ${guessed.length} sites were guessed from their labels`;
  let warning = `CIF: ${what}: ${listed}`;
  if (guessed.some((g) => g.reading.implicitHydrogen)) {
    warning += '; hydrogen may be implicit: water and hydroxyl hydrogens not listed as sites are missing from the structure';
  }
  return `${warning} (give _atom_site_type_symbol to state each element)`;
}
