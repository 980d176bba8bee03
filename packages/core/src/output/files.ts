import { signedCharge } from '../defects/entries.ts';
import type { BulkSupercellAnswer, DefectAnswer, DefectCandidate, StructureOutputs } from '../defects/types.ts';
import { DEFAULT_VASP_SETTINGS } from '../request.ts';
import { type VaspInputSet, vaspInputSet } from '../vasp/input-set.ts';

export interface AnswerFile {
  path: string;
  content: string;
}

const FILE_NAMES = { poscar: 'POSCAR', cif: 'structure.cif', pymatgen: 'structure.json', extxyz: 'structure.extxyz' } as const;
type FormatName = keyof typeof FILE_NAMES;

/** The folder of the pristine supercell, in the archive and in `generate --out`. */
export const BULK_FOLDER = 'bulk';

/** Candidate names are doped names (letters, digits, '_', '.', '+', '-'); anything else becomes '_' so a name is always one safe path segment. */
export function safeDirectoryName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.+-]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

/** The requested structure formats that `structures` holds, in the request's order. */
function formatsOf(answer: DefectAnswer, structures: StructureOutputs): FormatName[] {
  return answer.parameters.output_formats.filter((f): f is FormatName => f in FILE_NAMES && structures[f as FormatName] !== undefined);
}

function fileContent(structures: StructureOutputs, format: FormatName): string {
  const value = structures[format];
  return typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`;
}

function structureFiles(answer: DefectAnswer, dir: string, structures: StructureOutputs): AnswerFile[] {
  return formatsOf(answer, structures).map((f) => ({ path: `${dir}/${FILE_NAMES[f]}`, content: fileContent(structures, f) }));
}

/** doped's POSCAR comment for a defect entry: name, approximate supercell coordinates, charge (`v_Cd ~[0.3333,0.3333,0.3333] -2`). */
function entryComment(candidate: DefectCandidate, charge: number): string {
  return `${candidate.name} ~[${candidate.frac_coords.map((x) => x.toFixed(4)).join(',')}] ${signedCharge(charge)}`;
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
 * The `vasp` folders: one per defect entry (`<entry>/POSCAR`, `INCAR`, `KPOINTS`, `POTCAR.spec`),
 * made from the answer when the files are laid out rather than stored in it (the answer keeps each
 * candidate's POSCAR; the rest follows from it, the entry's charge and the request's
 * `vasp_settings`), and the bulk's INCAR, KPOINTS and POTCAR.spec (neutral, single point). Entries
 * whose candidate has no POSCAR (answers stored before `vasp` existed) are skipped.
 */
function vaspFiles(answer: DefectAnswer): { entries: AnswerFile[][]; bulk: AnswerFile[] } {
  // Answers stored before vasp_settings were always resolved may lack them.
  const settings = answer.parameters.vasp_settings ?? DEFAULT_VASP_SETTINGS;
  const lattice = answer.supercell.lattice;
  const folder = (dir: string, set: VaspInputSet, skip?: keyof VaspInputSet) =>
    (Object.keys(set) as (keyof VaspInputSet)[]).filter((name) => name !== skip).map((name) => ({ path: `${dir}/${name}`, content: set[name] }));

  const byId = new Map(answer.candidates.map((c) => [c.id, c]));
  const entries = (answer.entries ?? []).map((entry) => {
    const candidate = byId.get(entry.candidate_id);
    const poscar = candidate?.structures.poscar;
    if (!candidate || poscar === undefined) return [];
    const comment = entryComment(candidate, entry.charge);
    return folder(safeDirectoryName(entry.name), vaspInputSet({ poscar, comment, kind: 'defect', charge: entry.charge, lattice, settings }));
  });
  const poscar = answer.bulk?.structures.poscar;
  if (poscar === undefined) return { entries, bulk: [] };
  const set = vaspInputSet({ poscar, comment: poscar.slice(0, poscar.indexOf('\n')), kind: 'bulk', charge: 0, lattice, settings });
  // The bulk's POSCAR is already among its structure files when poscar was asked for.
  return { entries, bulk: folder(BULK_FOLDER, set, answer.parameters.output_formats.includes('poscar') ? 'POSCAR' : undefined) };
}

/** The answer without any structure text (candidates' and the bulk's `structures`): small enough for webhooks and listings. */
export function summarizeAnswer(
  answer: DefectAnswer,
): Omit<DefectAnswer, 'candidates' | 'bulk'> & { candidates: Omit<DefectCandidate, 'structures'>[]; bulk?: Omit<BulkSupercellAnswer, 'structures'> } {
  const { bulk, ...rest } = answer;
  const summary = {
    ...rest,
    candidates: answer.candidates.map((c) => {
      const { structures: _structures, ...fields } = c;
      return fields;
    }),
  };
  if (!bulk) return summary;
  const { structures: _structures, ...bulkFields } = bulk;
  return { ...summary, bulk: bulkFields };
}

/**
 * Every file of the answer, in a fixed order: `report.html` when the formats include `report`, the
 * bulk's folder (`bulk/`), one folder per candidate (`<name>/POSCAR`, `structure.cif`,
 * `structure.json`, `structure.extxyz`, as the request's formats ask), with `vasp` one folder per
 * defect entry (`<entry>/POSCAR`, `INCAR`, `KPOINTS`, `POTCAR.spec`) and the bulk's VASP inputs, and
 * `manifest.json`: the summary with each item's files beside it. Throws an Error when the formats
 * include `report` and `options.renderReport` is missing: a silently missing page would look like a
 * bug of the page.
 */
export function answerFiles(answer: DefectAnswer, options: AnswerFileOptions = {}): AnswerFile[] {
  const report: AnswerFile[] = [];
  if (answer.parameters.output_formats.includes('report')) {
    if (!options.renderReport) throw new Error('the request asks for a report but no report renderer was given to answerFiles');
    report.push({ path: REPORT_FILE, content: options.renderReport(answer) });
  }
  const vasp = answer.parameters.output_formats.includes('vasp') ? vaspFiles(answer) : { entries: [], bulk: [] };
  const bulk = [...(answer.bulk ? structureFiles(answer, BULK_FOLDER, answer.bulk.structures) : []), ...vasp.bulk];
  const candidates = answer.candidates.map((c) => structureFiles(answer, safeDirectoryName(c.name), c.structures));
  const entries = (answer.entries ?? []).map((_, i) => vasp.entries[i] ?? []);

  const summary = summarizeAnswer(answer);
  const paths = (files: AnswerFile[]) => files.map((f) => f.path);
  const manifest = {
    ...summary,
    ...(summary.bulk ? { bulk: { ...summary.bulk, files: paths(bulk) } } : {}),
    candidates: summary.candidates.map((c, i) => ({ ...c, files: paths(candidates[i]) })),
    ...(answer.entries ? { entries: answer.entries.map((e, i) => ({ ...e, files: paths(entries[i]) })) } : {}),
  };
  return [...report, ...bulk, ...candidates.flat(), ...entries.flat(), { path: 'manifest.json', content: `${JSON.stringify(manifest, null, 2)}\n` }];
}

/** `a`, `a and b`, `a, b and c`. */
function inWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * What `answerFiles` lays out for this answer, in words, by the request's formats (the Ouro
 * completion's file description): `bulk/` and one folder per candidate with the structure formats'
 * files, with `vasp` one input folder per defect entry and the bulk's VASP inputs (but no candidate
 * folders when no structure format was asked for), with `report` report.html, and manifest.json.
 */
export function describeAnswerFiles(answer: DefectAnswer): string {
  const formats = answer.parameters.output_formats;
  const structureNames = formats.filter((f): f is FormatName => f in FILE_NAMES).map((f) => FILE_NAMES[f]);
  const vasp = formats.includes('vasp');
  const bulkNames = vasp ? [...new Set([...structureNames, 'POSCAR', 'INCAR', 'KPOINTS', 'POTCAR.spec'])] : structureNames;
  const parts: string[] = [];
  if (answer.bulk && bulkNames.length > 0) parts.push(`${BULK_FOLDER}/ (the pristine supercell: ${bulkNames.join(', ')})`);
  if (structureNames.length > 0) parts.push(`one folder per candidate (<name>/: ${structureNames.join(', ')})`);
  if (vasp && answer.entries?.length) {
    parts.push(`one VASP input folder per defect entry (<entry>/ such as ${safeDirectoryName(answer.entries[0].name)}/: POSCAR, INCAR, KPOINTS, POTCAR.spec)`);
  }
  if (formats.includes('report')) parts.push(`${REPORT_FILE} (the result page)`);
  parts.push('manifest.json');
  return inWords(parts);
}
