import { strToU8, zipSync, type Zippable } from 'fflate';
import { answerFiles, type DefectAnswer } from '@defect-candidates/core';
import { renderReport } from '@defect-candidates/viewer';

/**
 * The answer as a zip: the bulk supercell under `bulk/`, every candidate's structure files under
 * `<name>/`, with the `vasp` format one folder per defect entry, with `report` report.html (3Dmol.js
 * inlined, about 0.55 MB), and `manifest.json`: exactly the files the core lays out. A fixed
 * timestamp keeps the same answer byte-identical.
 */
export function buildArchive(answer: DefectAnswer): Uint8Array {
  const tree: Zippable = {};
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const file of answerFiles(answer, { renderReport })) {
    tree[file.path] = [strToU8(file.content), { mtime }];
  }
  return zipSync(tree, { level: 6 });
}

/** `CdTe_defect_candidates.zip`: the formula, made safe for a filename. */
export function archiveFilename(answer: { host?: { formula?: unknown } }): string {
  const formula = typeof answer.host?.formula === 'string' ? answer.host.formula.replace(/[^A-Za-z0-9]+/g, '') : '';
  return `${formula || 'structure'}_defect_candidates.zip`;
}
