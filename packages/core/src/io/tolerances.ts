/**
 * Positions closer than this (Å) after CIF symmetry expansion are one atom. Generous enough for
 * coordinates printed with three decimals in a 30 Å cell, far below any real bond (validation
 * refuses anything under MIN_INTERATOMIC_DISTANCE).
 */
export const CIF_MERGE_TOLERANCE = 0.05;

/** Occupancies within this of 1 count as full (files print 0.999 or 1.0001). */
export const OCCUPANCY_TOLERANCE = 0.01;

/** Two atoms closer than this (Å) are an input error: no real structure has them. */
export const MIN_INTERATOMIC_DISTANCE = 0.5;
