import { readStructure, writeStructure, type DefectAnswer, type DefectCandidate, type Mat3, type StructureOutputs } from '@defect-candidates/core';

/** A candidate as the page shows it: the answer's fields without `structures`, plus one POSCAR to draw. */
export type PageCandidate = Omit<DefectCandidate, 'structures'> & {
  /** The defect supercell as POSCAR text (3Dmol's `vasp` reader), or null when the answer holds no structure. */
  poscar: string | null;
};

/**
 * What the page reads of an answer: the host (with its symmetry operations, which give the unit
 * cell and every interstitial orbit), the supercell, the request, warnings, groups, and each
 * candidate with one structure. Smaller than the answer: the other formats stay out.
 */
export interface PageAnswer {
  version: string;
  host: DefectAnswer['host'];
  supercell: DefectAnswer['supercell'];
  parameters: DefectAnswer['parameters'];
  groups: DefectAnswer['groups'];
  warnings: string[];
  candidates: PageCandidate[];
}

/** The formats the page can draw from, best first: POSCAR as it is, the others through the core's readers. */
const DRAWABLE: (keyof StructureOutputs)[] = ['poscar', 'extxyz', 'cif', 'pymatgen'];

/**
 * One POSCAR of a candidate's structure: the answer's own when it has one, else another of its
 * formats read by the core and written again as POSCAR (a pymatgen-only answer still draws); null
 * when the answer carries no structure at all. A rewritten one takes `lattice` (the answer's
 * supercell, rows in Å) with the fractional coordinates it read: CIF keeps no Cartesian frame, and
 * the page places the defect by the answer's Cartesian coordinates.
 */
export function drawablePoscar(structures: StructureOutputs | undefined, lattice: number[][]): string | null {
  for (const format of DRAWABLE) {
    const value = structures?.[format];
    if (value === undefined) continue;
    if (format === 'poscar') return value as string;
    const read = readStructure(typeof value === 'string' ? value : JSON.stringify(value), { format }).structure;
    return writeStructure({ ...read, lattice: { matrix: lattice as Mat3 } }, 'poscar');
  }
  return null;
}

/** The answer shaped for the page (served as JSON, or inlined in report.html). */
export function pageAnswer(answer: DefectAnswer): PageAnswer {
  return {
    version: answer.version,
    host: answer.host,
    supercell: answer.supercell,
    parameters: answer.parameters,
    groups: answer.groups,
    warnings: answer.warnings,
    candidates: answer.candidates.map(({ structures, ...rest }) => ({ ...rest, poscar: drawablePoscar(structures, answer.supercell.lattice) })),
  };
}
