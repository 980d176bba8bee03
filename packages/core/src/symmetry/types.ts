import type { Lattice } from '../base/lattice.ts';
import type { Mat3, Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';

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
 * The conventional standard cell (spglib setting, origin and orientation fixed as origin.ts
 * explains) relative to the input cell, in the ITA convention: (a_s, b_s, c_s) = (a, b, c)·transformation
 * and x_s = transformation⁻¹·(x − originShift) for fractional column vectors. moyo additionally
 * rotates its std_cell rigidly; we never do, so `lattice` is the conventional cell in the input's
 * Cartesian frame (always right-handed). The operations and Wyckoff tables are shared per Hall
 * number: read only.
 */
export interface ConventionalSetting {
  transformation: Mat3;
  originShift: Vec3;
  lattice: Lattice;
  /** Every operation of the conventional cell, centring translations included. */
  operations: SymmetryOperation[];
}

/**
 * The crystal's primitive cell and its space group there. Every symmetry computation on points
 * (orbits, site symmetries, symmetrizing, labels) is done in this cell, whose operations are at
 * most 48 integer matrices: an input supercell of N primitive cells has N times as many operations
 * (modulo its own lattice) and, when its lattice is less symmetric than the crystal, non-integer
 * ones; those are never built (see `SymmetryAnalysis.translations`).
 */
export interface PrimitiveSymmetry {
  /**
   * The primitive cell: moyo's primitive standard basis written in the input's Cartesian frame
   * (never rotated, never shifted), holding the input's atoms averaged over their pure-translation copies.
   */
  structure: Structure;
  /** x_input = transformation · x_primitive for fractional column vectors; rows: primitive = transformationᵀ · input rows. */
  transformation: Mat3;
  /** Per primitive site, the first input site it stands for. */
  parentSites: number[];
  /** Per input site, its primitive site. */
  siteOf: number[];
  /** The space group modulo the primitive lattice, in the primitive cell's fractional frame: integer rotations, |point group| entries. */
  operations: SymmetryOperation[];
  /** Per primitive site: index of the first primitive site of its orbit. */
  orbits: number[];
}

/** What moyo gave at one tolerance, and whether that group holds on the input within the requested symprec. */
export interface ToleranceTrial {
  /** Å */
  symprec: number;
  number: number;
  symbol: string;
  holds: boolean;
}

/** The space group at a fixed tolerance (symmetry_sensitivity); null when it could not be determined there. */
export interface SensitivityEntry {
  /** Å */
  symprec: number;
  number: number | null;
  symbol: string | null;
}

export interface SymmetryAnalysis {
  number: number;
  /** Compact Hermann–Mauguin symbol as spglib and pymatgen print it: 'F-43m', 'P6_3mc'. */
  symbol: string;
  hallNumber: number;
  /** Distance tolerance in Å, as requested (the group reported holds within it; see `tried`). */
  symprec: number;
  /**
   * The candidate groups: moyo at symprec and 2·symprec on the primitive cell, and at symprec/2
   * where those two disagree (only at symprec when its point group already fills the lattice's
   * point group, so that no tolerance up to 2·symprec can give more: m-3m, rutile's 4/mmm). The reported group is
   * the largest that holds within symprec on every input atom (verify.ts), moyo's at symprec on a tie.
   */
  tried: ToleranceTrial[];
  /**
   * The group at 0.001, 0.01 and 0.1 Å (SENSITIVITY_TOLERANCES): a host whose group changes near
   * the requested tolerance is borderline. Worked out when first read (up to two more moyo runs).
   */
  readonly sensitivity: SensitivityEntry[];
  primitive: PrimitiveSymmetry;
  /**
   * Pure translations of the input cell modulo its lattice (fractional, input frame), exact,
   * identity first; N = n_input / n_primitive entries. The input cell's operations are every
   * primitive operation followed by every one of these (in the input frame): |point group|·N maps,
   * left factored.
   */
  translations: Vec3[];
  /** Per input site: index of the first site of its orbit. */
  orbits: number[];
  /** Per input site. */
  sites: SiteLabel[];
  warnings: string[];
  /** The input lattice: tolerances on points are Cartesian distances in it. */
  lattice: Lattice;
  conventional: ConventionalSetting;
  /** Wyckoff positions of the group in the conventional setting, general position first. */
  wyckoffPositions: WyckoffPosition[];
}
