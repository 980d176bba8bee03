export interface SpeciesSymbol {
  element: string;
  /** Oxidation state from a decoration such as `Fe2+`, `O2-`, `Fe0+`, `Cl-`, `Fe+3`; null when undecorated. */
  oxidationState: number | null;
}

/** Capitalises an element-like token the way symbols are written: `FE` → `Fe`, `o` → `O`. */
export function normalizeElementCase(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1).toLowerCase();
}

/**
 * Reads a species symbol with an optional oxidation decoration. Returns the element as written
 * (capitalised) even when it is not a known element, so the caller can name it in an error.
 */
export function parseSpeciesSymbol(text: string): SpeciesSymbol {
  const s = text.trim();
  // 'Fe2+', 'O2-', 'Cl-', 'Fe2.5+' (charge after the number) or 'Fe+2', 'O-2' (sign first).
  const trailing = /^([A-Za-z]{1,3})(\d+(?:\.\d+)?)?([+-])$/.exec(s);
  if (trailing) {
    const magnitude = trailing[2] === undefined ? 1 : Number(trailing[2]);
    return { element: normalizeElementCase(trailing[1]), oxidationState: (trailing[3] === '-' ? -1 : 1) * magnitude + 0 };
  }
  const leading = /^([A-Za-z]{1,3})([+-])(\d+(?:\.\d+)?)$/.exec(s);
  if (leading) {
    return { element: normalizeElementCase(leading[1]), oxidationState: (leading[2] === '-' ? -1 : 1) * Number(leading[3]) + 0 };
  }
  return { element: normalizeElementCase(s), oxidationState: null };
}
