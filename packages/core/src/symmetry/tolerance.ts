/**
 * The distance tolerances (Å, spglib's symprec) a request may ask for, and the range the analysis
 * keeps its candidate tolerances in (symprec/2 and 2·symprec are clamped to it, analyze.ts): below
 * 1e-5 Å floating-point noise in ordinary files breaks every symmetry; beyond 1 Å distinct atoms merge.
 */
export const SYMPREC_RANGE = { min: 1e-5, max: 1 } as const;
