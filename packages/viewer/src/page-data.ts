import { readStructure, writeStructure, type DefectAnswer, type DefectCandidate, type StructureOutputs } from '@defect-candidates/core';

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
 * formats read and written again as POSCAR (a pymatgen-only answer still draws); null when the
 * answer carries no structure at all.
 */
export function drawablePoscar(structures: StructureOutputs | undefined): string | null {
  for (const format of DRAWABLE) {
    const value = structures?.[format];
    if (value === undefined) continue;
    if (format === 'poscar') return value as string;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return writeStructure(readStructure(text, { format }).structure, 'poscar');
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
    candidates: answer.candidates.map(({ structures, ...rest }) => ({ ...rest, poscar: drawablePoscar(structures) })),
  };
}
