import type { DefectAnswer, DefectCandidate } from '../defects/types.ts';

export interface AnswerFile {
  path: string;
  content: string;
}

const FILE_NAMES = { poscar: 'POSCAR', cif: 'structure.cif', pymatgen: 'structure.json', extxyz: 'structure.extxyz' } as const;
type FormatName = keyof typeof FILE_NAMES;

/** Candidate names are doped names (letters, digits, '_', '.', '+', '-'); anything else becomes '_' so a name is always one safe path segment. */
export function safeDirectoryName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.+-]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

function formatsOf(answer: DefectAnswer, candidate: DefectCandidate): FormatName[] {
  return answer.parameters.output_formats.filter((f): f is FormatName => f in FILE_NAMES && candidate.structures[f as FormatName] !== undefined);
}

function fileContent(candidate: DefectCandidate, format: FormatName): string {
  const value = candidate.structures[format];
  return typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`;
}

function candidateFiles(answer: DefectAnswer, candidate: DefectCandidate): string[] {
  const dir = safeDirectoryName(candidate.name);
  return formatsOf(answer, candidate).map((f) => `${dir}/${FILE_NAMES[f]}`);
}

/** The answer without any candidate's `structures`: small enough for webhooks and listings. */
export function summarizeAnswer(answer: DefectAnswer): Omit<DefectAnswer, 'candidates'> & { candidates: Omit<DefectCandidate, 'structures'>[] } {
  return {
    ...answer,
    candidates: answer.candidates.map((c) => {
      const { structures: _structures, ...rest } = c;
      return rest;
    }),
  };
}

/** manifest.json: the summary, with each candidate's files listed beside it. */
export function manifest(answer: DefectAnswer): Record<string, unknown> {
  const summary = summarizeAnswer(answer);
  return {
    ...summary,
    candidates: summary.candidates.map((c, i) => ({ ...c, files: candidateFiles(answer, answer.candidates[i]) })),
  };
}

/** Where the page of the `report` format goes in an archive or output folder. */
export const REPORT_FILE = 'report.html';

export interface AnswerFileOptions {
  /**
   * Renders the answer as a self-contained HTML page: the `report` format. The core has no page of
   * its own (it reads no files, and the page inlines a viewer); the caller passes one in.
   */
  renderReport?: (answer: DefectAnswer) => string;
}

/**
 * The answer as files: one folder per candidate (`<name>/POSCAR`, `<name>/structure.cif`,
 * `<name>/structure.json`, `<name>/structure.extxyz`, as the request's formats ask), `manifest.json`,
 * and `report.html` when the formats include `report`. Throws an Error when they do and
 * `options.renderReport` is missing: a silently missing page would look like a bug of the page.
 */
export function answerFiles(answer: DefectAnswer, options: AnswerFileOptions = {}): AnswerFile[] {
  const files: AnswerFile[] = [];
  if (answer.parameters.output_formats.includes('report')) {
    if (!options.renderReport) throw new Error('the request asks for a report but no report renderer was given to answerFiles');
    files.push({ path: REPORT_FILE, content: options.renderReport(answer) });
  }
  for (const candidate of answer.candidates) {
    const dir = safeDirectoryName(candidate.name);
    for (const format of formatsOf(answer, candidate)) files.push({ path: `${dir}/${FILE_NAMES[format]}`, content: fileContent(candidate, format) });
  }
  files.push({ path: 'manifest.json', content: `${JSON.stringify(manifest(answer), null, 2)}\n` });
  return files;
}
