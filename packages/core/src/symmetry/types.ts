import type { Lattice } from '../base/lattice.ts';
import type { Mat3, Vec3 } from '../base/linalg.ts';

/** x' = R·x + t on fractional column vectors of the cell the operation belongs to. R is integer. */
export interface SymmetryOperation {
  rotation: Mat3;
  translation: Vec3;
}

export interface SiteLabel {
  /** Multiplicity in the conventional standard cell followed by the Wyckoff letter: '4a'. */
  wyckoff: string;
  /** Oriented site-symmetry symbol as moyo/spglib print it; it may contain dots ('.3m'). */
  siteSymmetry: string;
  /** Schoenflies symbol of the site-symmetry group: 'Td', 'C3v', 'D4h'. */
  pointGroup: string;
  /** Number of equivalent positions in the INPUT cell. */
  multiplicity: number;
  /** The orbit's representative in the conventional standard cell (see wyckoff.ts for the choice). */
  conventionalFracCoords: Vec3;
}

/** One entry of the International Tables' Wyckoff list for a Hall setting. */
export interface WyckoffPosition {
  multiplicity: number;
  letter: string;
  siteSymmetry: string;
  /** Representative triplet as the tables write it: 'x,x,z', '1/4,1/4,1/4'. */
  coordinates: string;
}

/**
 * The conventional standard cell (spglib setting, origin fixed as origin.ts explains) relative to
 * the input cell, in the ITA convention: (a_s, b_s, c_s) = (a, b, c)·transformation and
 * x_s = transformation⁻¹·(x − originShift) for fractional column vectors. moyo additionally
 * rotates its std_cell rigidly; we never do, so `lattice` is the conventional cell in the input's
 * Cartesian frame (mirrored, with a negative determinant, when the canonical origin change
 * includes an inversion). The operations and Wyckoff tables are shared per Hall number: read only.
 */
export interface ConventionalSetting {
  transformation: Mat3;
  originShift: Vec3;
  lattice: Lattice;
  /** Every operation of the conventional cell, centring translations included. */
  operations: SymmetryOperation[];
}

export interface SymmetryAnalysis {
  number: number;
  /** Compact Hermann–Mauguin symbol as spglib and pymatgen print it: 'F-43m', 'P6_3mc'. */
  symbol: string;
  hallNumber: number;
  /** Distance tolerance in Å. */
  symprec: number;
  /** Operations of the INPUT cell (modulo its lattice translations), in its fractional frame. */
  operations: SymmetryOperation[];
  /** Per input site: index of the first site of its orbit. */
  orbits: number[];
  /** Per input site. */
  sites: SiteLabel[];
  warnings: string[];
  /** The input lattice: tolerances on points are Cartesian distances in it. */
  lattice: Lattice;
  conventional: ConventionalSetting;
  /** A primitive cell of the crystal: rows = transformationᵀ·(input rows), same Cartesian frame. */
  primitive: { transformation: Mat3; lattice: Lattice };
  /** Wyckoff positions of the group in the conventional setting, general position first. */
  wyckoffPositions: WyckoffPosition[];
}
