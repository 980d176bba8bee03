import type { Vec3 } from '../base/linalg.ts';
import type { Structure } from '../base/structure.ts';
import type { HostOxidationStates, OxidationMethod } from '../charges/oxidation.ts';
import type { DefectRequest, DefectType } from '../request.ts';
import type { SiteLabel, SymmetryAnalysis } from '../symmetry/types.ts';
import type { Supercell } from '../supercell/resolve.ts';

/** Everything a defect family needs to know about the host, computed once per generation. */
export interface HostContext {
  /** The input cell as read. */
  structure: Structure;
  analysis: SymmetryAnalysis;
  supercell: Supercell;
  /** For each supercell site, the input site it is an image of. */
  supercellToInput: number[];
  oxidation: HostOxidationStates;
  /** Host elements in order of first appearance. */
  elements: string[];
  /** Dopants that are not host elements, in the order the request gives them. */
  dopants: string[];
  request: DefectRequest;
}

/**
 * One symmetry class of a defect before naming, charge guessing and capping: the defect families
 * (vacancy, substitution, interstitial) produce these, and the pipeline turns them into candidates.
 */
export interface DefectDraft {
  family: DefectType;
  /** 'native' for the host's own species, else the dopant element: the draft's group. */
  origin: string;
  /** Element added to the host (substitutions, interstitials), else null. */
  species: string | null;
  /** Element removed from the host (vacancies, substitutions), else null. */
  hostSpecies: string | null;
  label: SiteLabel;
  /** The class's representative in the input cell (fractional, wrapped). */
  unitCellFrac: Vec3;
  /** Every position of the class in the supercell (fractional coordinates of the supercell). */
  supercellPositions: Vec3[];
  /** For lattice-site defects, the supercell site index at each of those positions; null for interstitials. */
  supercellSites: number[] | null;
  /** Content key of the class, stable across runs: goes into the candidate id. */
  key: string;
  /** Family-specific fields copied into the candidate as they are (snake_case). */
  extra?: Record<string, unknown>;
}

export interface NeighborShellEntry {
  element: string;
  /** Å, rounded to 3 decimals. */
  distance: number;
  count: number;
}

export type StructureOutputs = { poscar?: string; cif?: string; pymatgen?: Record<string, unknown>; extxyz?: string };

/** One defect supercell of the answer (snake_case: it is the JSON users receive). */
export interface DefectCandidate {
  id: string;
  name: string;
  defect_type: DefectType;
  group: string;
  species: string | null;
  host_species: string | null;
  wyckoff: string;
  site_symmetry: string;
  point_group: string;
  multiplicity: number;
  supercell_multiplicity: number;
  unit_cell_frac_coords: Vec3;
  conventional_cell_frac_coords: Vec3;
  frac_coords: Vec3;
  cart_coords: Vec3;
  nearest_neighbors: NeighborShellEntry[];
  charge_states: number[];
  n_atoms: number;
  [extra: string]: unknown;
  structures: StructureOutputs;
}

export interface GroupReport {
  /** 'vacancy', 'substitution:Mg', 'interstitial' … : the family, and the dopant when there is one. */
  group: string;
  defect_type: DefectType;
  /** The dopant the group holds, or null for the host's own species. */
  dopant: string | null;
  generated: number;
  emitted: number;
  dropped: number;
  /** How many were dropped by each cap. */
  dropped_by: { max_candidates_per_type: number; max_candidates: number };
  /** Why the group lost candidates (or has none), in words; absent when nothing was dropped. */
  reason?: string;
}

/** One defect in one charge state, as doped makes a `DefectEntry` of each: one VASP calculation. */
export interface DefectEntry {
  /** doped's entry name: the candidate's name and the signed charge (`v_Cd_-2`, `Cd_i_C3v_+2`, `v_Te_0`). */
  name: string;
  /** The candidate's `id`. */
  candidate_id: string;
  /** The candidate's `name`. */
  candidate: string;
  /** Charge of the supercell (electrons removed; −2 means two added). */
  charge: number;
  /** Electrons in the supercell with doped's default POTCARs: ZVAL summed over the sites, minus `charge`. Absent when an element has no default POTCAR. */
  nelect?: number;
  /** 0 for an even `nelect`, 1 for an odd one (doped's NUPDOWN). Absent with `nelect`. */
  nupdown?: number;
}

/** The pristine supercell every defect structure was cut from (same lattice, same atom order). */
export interface BulkSupercellAnswer {
  /** The whole cell's formula, e.g. `Cd27Te27`. */
  formula: string;
  n_atoms: number;
  /** The bulk in every requested structure format (as a candidate's `structures`). */
  structures: StructureOutputs;
}

export interface DefectAnswer {
  version: string;
  host: {
    formula: string;
    /**
     * The space group, which holds within `symprec` (Å, as requested) on every atom; `tried` lists
     * moyo's group at each tolerance tried and whether it held (the largest that held is reported).
     */
    space_group: { number: number; symbol: string; symprec: number; tried: { symprec: number; number: number; symbol: string; holds: boolean }[] };
    /** The space group at 0.001, 0.01 and 0.1 Å (null where it could not be found): a borderline host changes between them. */
    symmetry_sensitivity: { symprec: number; number: number | null; symbol: string | null }[];
    n_sites: number;
    lattice: number[][];
    /** Symmetry-distinct sites of the input cell; `frac_coords` in the input cell, wrapped into [0, 1). */
    sites: { element: string; wyckoff: string; site_symmetry: string; point_group: string; multiplicity: number; frac_coords: Vec3; oxidation_state: number | null }[];
    /**
     * The space group in the input cell, factored: x' = rotations[i]·x + translations[i] +
     * pure_translations[j] on fractional column vectors, for every i and j, is every operation modulo
     * the input lattice (spglib's dataset lists those |point group|·N products; N = 1000 for a
     * 10×10×10 supercell given as input). rotations [m][3][3] and translations [m][3] (m ≤ 48) are
     * the primitive cell's operations written in the input frame: integer rotations, except for a
     * supercell whose lattice is less symmetric than the crystal, where some are rational and still
     * map the crystal onto itself. pure_translations [N][3], [0, 0, 0] first. Applied to `sites` (or
     * to an interstitial's `unit_cell_frac_coords`) and wrapped into [0, 1), with duplicates removed,
     * they give every atom of the cell (every site of the orbit, `multiplicity` of them).
     */
    symmetry_operations: { rotations: number[][][]; translations: number[][]; pure_translations: number[][] };
    /** Per element (the mean over its sites); empty when none could be found (method 'none'). */
    oxidation_states: Record<string, number>;
    /** Which rule gave the oxidation states: see `OxidationMethod`. */
    oxidation_state_method: OxidationMethod;
    input_format: string;
  };
  supercell: {
    matrix: number[][];
    base: 'input' | 'primitive';
    n_atoms: number;
    min_image_distance: number;
    lattice: number[][];
  };
  parameters: DefectRequest;
  bulk: BulkSupercellAnswer;
  candidates: DefectCandidate[];
  /** One per candidate and charge state, candidate by candidate, charges in each candidate's `charge_states` order. */
  entries: DefectEntry[];
  groups: GroupReport[];
  warnings: string[];
}
