import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StructureFormat } from '../base/errors.ts';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { answerFiles, summarizeAnswer } from '../output/files.ts';
import { parseCommandArgs, singleFile, supercellSpec } from './args.ts';
import type { CliCommand } from './command.ts';
import { type CliIO, UsageError } from './io.ts';
import { progressReporter } from './progress.ts';
import { defectTables } from './tables.ts';

/**
 * Flags map one to one onto the request: --supercell [supercell] (auto | n | a,b,c | nine integers),
 * --types [defect_types], --dopants [dopant_elements], --max-candidates, --max-per-type
 * [max_candidates_per_type], --seed [random_seed], --no-dedupe [dedupe_symmetry=false], --symprec,
 * --min-image-distance, --formats [output_formats], --interstitial-sites (x,y,z;x,y,z),
 * --interstitial-min-distance, --vasp-functional and --reciprocal-density [vasp_settings]; --request
 * FILE gives a whole body that the flags override.
 */
export const GENERATE_USAGE =
  'defect-candidates generate FILE [--request body.json] [--supercell auto|n|a,b,c|m11,...,m33] [--types vacancy,substitution,interstitial] ' +
  '[--dopants Mg,Ca] [--max-candidates N] [--max-per-type N] [--seed N] [--no-dedupe] [--symprec X] [--min-image-distance X] ' +
  '[--formats poscar,cif,pymatgen,extxyz,vasp] [--vasp-functional pbesol|hse06] [--reciprocal-density N] [--interstitial-sites x,y,z;...] ' +
  '[--interstitial-min-distance X] [--input-format FMT] [--out DIR] [--summary]';

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

async function readRequestFile(io: CliIO, path: string): Promise<Record<string, unknown>> {
  const text = await io.readFile(path);
  try {
    const body = JSON.parse(text) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`--request: ${path} must hold a JSON object`);
    return body as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--request: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

/** `defect-candidates generate`: exit code 0; bad input throws (CoreError, UsageError) and main() answers it with one line and exit code 2. */
export async function runGenerate(argv: string[], io: CliIO): Promise<number> {
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
    'vasp-functional': { type: 'string' },
    'reciprocal-density': { type: 'string' },
    'input-format': { type: 'string' },
    out: { type: 'string' },
    summary: { type: 'boolean' },
  });
  const values = parsed.values as Record<string, string | undefined> & { 'no-dedupe'?: boolean; summary?: boolean };
  const file = singleFile(parsed, GENERATE_USAGE);

  const request: Record<string, unknown> = values.request ? await readRequestFile(io, values.request) : {};
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
  if (values['vasp-functional'] !== undefined || values['reciprocal-density'] !== undefined) {
    const vasp = { ...(request.vasp_settings as Record<string, unknown> | undefined) };
    if (values['vasp-functional'] !== undefined) vasp.functional = values['vasp-functional'];
    if (values['reciprocal-density'] !== undefined) vasp.reciprocal_density = numberOrRaw(values['reciprocal-density']);
    request.vasp_settings = vasp;
  }

  const inputFormat = values['input-format'];
  if (inputFormat !== undefined && !INPUT_FORMATS.includes(inputFormat as StructureFormat)) {
    throw new UsageError(`--input-format: '${inputFormat}' is not one of ${INPUT_FORMATS.join(', ')}`);
  }
  const content = await io.readFile(file);
  // The bar draws only on a terminal, and is cleared before the tables are printed.
  const progress = progressReporter(io.progressStream);
  let answer: DefectAnswer;
  try {
    answer = generate({ content, filename: file, format: inputFormat as StructureFormat | undefined }, request, { onProgress: progress.onGenerate });
    if (values.out !== undefined) {
      const root = resolve(values.out);
      const files = answerFiles(answer);
      files.forEach((f, i) => {
        const path = join(root, f.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
        progress.onFiles(i + 1, files.length);
      });
    }
  } finally {
    progress.stop();
  }
  io.stdout(`${JSON.stringify(values.summary ? summarizeAnswer(answer) : answer, null, 2)}\n`);
  io.stderr(defectTables(answer));
  return 0;
}

/** Entry for the CLI's command table. */
export const generateCommand: CliCommand = {
  usage: GENERATE_USAGE,
  summary:
    'symmetry-distinct vacancy, substitution and interstitial supercells and their charge states, as JSON (doped-style tables on stderr; ' +
    '--out writes the files, with --formats vasp one VASP input folder per defect entry)',
  run: runGenerate,
};
