import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StructureFormat } from '../base/errors.ts';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { parseRequest } from '../request.ts';
import { answerFiles, summarizeAnswer } from '../output/files.ts';
import { parseCommandArgs, singleFile, supercellSpec } from './args.ts';
import type { CliCommand } from './command.ts';
import { type CliIO, UsageError } from './io.ts';

/**
 * Flags map one to one onto the request: --supercell [supercell] (auto | n | a,b,c | nine integers),
 * --types [defect_types], --dopants [dopant_elements], --max-candidates, --max-per-type
 * [max_candidates_per_type], --seed [random_seed], --no-dedupe [dedupe_symmetry=false], --symprec,
 * --min-image-distance, --formats [output_formats], --interstitial-sites (x,y,z;x,y,z),
 * --interstitial-min-distance; --request FILE gives a whole body that the flags override;
 * --report adds `report` to the formats (with --out: DIR/report.html, the page with 3D views).
 */
export const GENERATE_USAGE =
  'defect-candidates generate FILE [--request body.json] [--supercell auto|n|a,b,c|m11,...,m33] [--types vacancy,substitution,interstitial] ' +
  '[--dopants Mg,Ca] [--max-candidates N] [--max-per-type N] [--seed N] [--no-dedupe] [--symprec X] [--min-image-distance X] ' +
  '[--formats poscar,cif,pymatgen,extxyz] [--interstitial-sites x,y,z;...] [--interstitial-min-distance X] [--input-format FMT] [--out DIR [--report]] [--summary]';

const INPUT_FORMATS: StructureFormat[] = ['cif', 'poscar', 'pymatgen', 'json', 'extxyz'];

/** Numbers stay numbers; anything else is passed through so the request schema names the problem. */
function numberOrRaw(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : text;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseSites(text: string): unknown {
  return text
    .split(';')
    .filter((s) => s.trim() !== '')
    .map((row) => list(row).map(numberOrRaw));
}

function readRequestFile(io: CliIO, path: string): Record<string, unknown> {
  const text = io.readFile(path);
  try {
    const body = JSON.parse(text) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`--request: ${path} must hold a JSON object`);
    return body as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--request: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

function chargeText(charges: number[]): string {
  return `[${charges.map((q) => (q > 0 ? `+${q}` : String(q))).join(',')}]`;
}

/** The doped-like summary table: one row per candidate. */
export function candidateTable(answer: DefectAnswer): string {
  const header = ['Name', 'Charges', 'Wyckoff', 'Site sym.', 'Multiplicity', 'Group'];
  const rows = answer.candidates.map((c) => [c.name, chargeText(c.charge_states), c.wyckoff, c.point_group, String(c.multiplicity), c.group]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const out = [
    `${answer.host.formula} (${answer.host.space_group.symbol}, #${answer.host.space_group.number}); supercell of ${answer.supercell.n_atoms} atoms, ` +
      `minimum image distance ${answer.supercell.min_image_distance} Å`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const g of answer.groups) if (g.reason) out.push(`${g.group}: ${g.emitted} of ${g.generated} emitted (${g.reason})`);
  for (const w of answer.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** `defect-candidates generate`: exit code 0; bad input throws (CoreError, UsageError) and main() answers it with one line and exit code 2. */
export function runGenerate(argv: string[], io: CliIO): number {
  const parsed = parseCommandArgs(argv, {
    request: { type: 'string' },
    supercell: { type: 'string' },
    types: { type: 'string' },
    dopants: { type: 'string' },
    'max-candidates': { type: 'string' },
    'max-per-type': { type: 'string' },
    seed: { type: 'string' },
    'no-dedupe': { type: 'boolean' },
    symprec: { type: 'string' },
    'min-image-distance': { type: 'string' },
    formats: { type: 'string' },
    'interstitial-sites': { type: 'string' },
    'interstitial-min-distance': { type: 'string' },
    'input-format': { type: 'string' },
    out: { type: 'string' },
    report: { type: 'boolean' },
    summary: { type: 'boolean' },
  });
  const values = parsed.values as Record<string, string | undefined> & { 'no-dedupe'?: boolean; summary?: boolean; report?: boolean };
  const file = singleFile(parsed, GENERATE_USAGE);

  const request: Record<string, unknown> = values.request ? readRequestFile(io, values.request) : {};
  if (values.supercell !== undefined) request.supercell = supercellSpec(values.supercell);
  if (values.types !== undefined) request.defect_types = list(values.types);
  if (values.dopants !== undefined) request.dopant_elements = list(values.dopants);
  if (values['max-candidates'] !== undefined) request.max_candidates = numberOrRaw(values['max-candidates']);
  if (values['max-per-type'] !== undefined) request.max_candidates_per_type = numberOrRaw(values['max-per-type']);
  if (values.seed !== undefined) request.random_seed = numberOrRaw(values.seed);
  if (values['no-dedupe']) request.dedupe_symmetry = false;
  if (values.symprec !== undefined) request.symprec = numberOrRaw(values.symprec);
  if (values['min-image-distance'] !== undefined) request.min_image_distance = numberOrRaw(values['min-image-distance']);
  if (values.formats !== undefined) request.output_formats = list(values.formats);
  if (values['interstitial-sites'] !== undefined) request.interstitial_sites = parseSites(values['interstitial-sites']);
  if (values['interstitial-min-distance'] !== undefined) request.interstitial_min_distance = numberOrRaw(values['interstitial-min-distance']);
  if (values.report) {
    if (values.out === undefined) throw new UsageError('--report writes DIR/report.html: give --out DIR');
    // Added to what was asked (or to the defaults); anything malformed is left for the request schema to name.
    const formats = request.output_formats ?? parseRequest({}).output_formats;
    if (Array.isArray(formats) && !formats.includes('report')) request.output_formats = [...formats, 'report'];
  }

  const inputFormat = values['input-format'];
  if (inputFormat !== undefined && !INPUT_FORMATS.includes(inputFormat as StructureFormat)) {
    throw new UsageError(`--input-format: '${inputFormat}' is not one of ${INPUT_FORMATS.join(', ')}`);
  }
  const content = io.readFile(file);
  const answer = generate({ content, filename: file, format: inputFormat as StructureFormat | undefined }, request);

  if (values.out !== undefined) {
    const root = resolve(values.out);
    if (answer.parameters.output_formats.includes('report') && !io.renderReport) throw new UsageError('this build of the command cannot write report.html (no page renderer)');
    for (const f of answerFiles(answer, { renderReport: io.renderReport })) {
      const path = join(root, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
    }
  }
  io.stdout(`${JSON.stringify(values.summary ? summarizeAnswer(answer) : answer, null, 2)}\n`);
  io.stderr(candidateTable(answer));
  return 0;
}

/** Entry for the CLI's command table. */
export const generateCommand: CliCommand = {
  usage: GENERATE_USAGE,
  summary: 'symmetry-distinct vacancy, substitution and interstitial supercells, as JSON (table on stderr; --out writes the files)',
  run: runGenerate,
};
