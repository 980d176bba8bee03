/** Element symbols in order of atomic number (index + 1 = Z). */
export const ELEMENT_SYMBOLS = [
  'H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne', 'Na', 'Mg', 'Al', 'Si', 'P', 'S', 'Cl', 'Ar',
  'K', 'Ca', 'Sc', 'Ti', 'V', 'Cr', 'Mn', 'Fe', 'Co', 'Ni', 'Cu', 'Zn', 'Ga', 'Ge', 'As', 'Se', 'Br', 'Kr',
  'Rb', 'Sr', 'Y', 'Zr', 'Nb', 'Mo', 'Tc', 'Ru', 'Rh', 'Pd', 'Ag', 'Cd', 'In', 'Sn', 'Sb', 'Te', 'I', 'Xe',
  'Cs', 'Ba', 'La', 'Ce', 'Pr', 'Nd', 'Pm', 'Sm', 'Eu', 'Gd', 'Tb', 'Dy', 'Ho', 'Er', 'Tm', 'Yb', 'Lu',
  'Hf', 'Ta', 'W', 'Re', 'Os', 'Ir', 'Pt', 'Au', 'Hg', 'Tl', 'Pb', 'Bi', 'Po', 'At', 'Rn',
  'Fr', 'Ra', 'Ac', 'Th', 'Pa', 'U', 'Np', 'Pu', 'Am', 'Cm', 'Bk', 'Cf', 'Es', 'Fm', 'Md', 'No', 'Lr',
  'Rf', 'Db', 'Sg', 'Bh', 'Hs', 'Mt', 'Ds', 'Rg', 'Cn', 'Nh', 'Fl', 'Mc', 'Lv', 'Ts', 'Og',
] as const;

export type ElementSymbol = (typeof ELEMENT_SYMBOLS)[number];

const Z_BY_SYMBOL = new Map<string, number>(ELEMENT_SYMBOLS.map((s, i) => [s, i + 1]));

export function isElement(symbol: string): symbol is ElementSymbol {
  return Z_BY_SYMBOL.has(symbol);
}

/** Atomic number of an element symbol, or undefined for anything that is not one. */
export function atomicNumber(symbol: string): number | undefined {
  return Z_BY_SYMBOL.get(symbol);
}

export function elementSymbol(z: number): ElementSymbol | undefined {
  return ELEMENT_SYMBOLS[z - 1];
}

/**
 * Whether an element is a metal as pymatgen's `Element.is_metal` counts them: alkali and
 * alkaline-earth metals, transition metals (groups 3–12, lanthanides and actinides included) and
 * the post-transition metals Al, Ga, In, Tl, Sn, Pb, Bi. Metalloids (B, Si, Ge, As, Sb, Te) are not.
 */
export function isMetal(symbol: string): boolean {
  const z = atomicNumber(symbol);
  if (z === undefined) return false;
  const alkali = [3, 11, 19, 37, 55, 87].includes(z);
  const alkaline = [4, 12, 20, 38, 56, 88].includes(z);
  const transition = (z >= 21 && z <= 30) || (z >= 39 && z <= 48) || (z >= 57 && z <= 80) || (z >= 89 && z <= 112);
  const postTransition = ['Al', 'Ga', 'In', 'Tl', 'Sn', 'Pb', 'Bi'].includes(symbol);
  return alkali || alkaline || transition || postTransition;
}
