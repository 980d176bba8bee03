import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RequestError, type StructureFormat } from '../base/errors.ts';
import type { DefectAnswer } from '../defects/types.ts';
import { generate } from '../generate.ts';
import { parseRequest } from '../request.ts';
import { answerFiles, summarizeAnswer } from '../output/files.ts';
import { parseCommandArgs, singleFile, speciesList } from './args.ts';
import type { CliCommand } from './command.ts';
import { FLAG_ALIASES, REQUEST_FLAGS, inFlagTerms, issueInFlagTerms, setPath } from './flags.ts';
import { type CliIO, UsageError } from './io.ts';
import { earlierRun, removeEarlierRun } from './out-dir.ts';
import { progressReporter } from './progress.ts';
import { defectTables } from './tables.ts';

/**
 * Flags map one to one onto the request (REQUEST_FLAGS): --supercell [supercell] (auto | n | a,b,c |
 * nine integers), --types [defect_types], --dopants [dopant_elements], --max-candidates,
 * --max-per-type or --max-candidates-per-type [max_candidates_per_type], --seed [random_seed],
 * --no-dedupe [dedupe_symmetry=false], --symprec, --min-image-distance, --formats [output_formats],
 * --interstitial-sites (x,y,z;x,y,z), --interstitial-min-distance, --cluster-tolerance
 * [interstitial_cluster_tolerance], --no-adsorption [adsorption_sites=false], --vasp-functional and
 * --reciprocal-density [vasp_settings]; --request FILE gives a whole body that the flags override;
 * --report adds `report` to the formats (with --out: DIR/report.html, the page with 3D views).
 * --out DIR writes into a new or empty folder, or replaces an earlier output of this command in it
 * (see `earlierRun`). --input-format and --species (the blocks of a VASP 4 POSCAR) describe the
 * structure file, not the request.
 */
export const GENERATE_USAGE =
  'defect-candidates generate FILE [--request body.json] [--supercell auto|n|a,b,c|m11,...,m33] [--types vacancy,substitution,interstitial] ' +
  '[--dopants Mg,Ca] [--max-candidates N] [--max-per-type|--max-candidates-per-type N] [--seed N] [--no-dedupe] [--symprec X] [--min-image-distance X] ' +
  '[--formats poscar,cif,pymatgen,extxyz,vasp,report] [--vasp-functional pbesol|hse06] [--reciprocal-density N] [--interstitial-sites x,y,z;...] ' +
  "[--interstitial-min-distance X] [--cluster-tolerance X] [--no-adsorption] [--input-format FMT] [--species 'Sn O'] [--out DIR [--report]] [--summary]";

const INPUT_FORMATS: StructureFormat[] = ['cif', 'poscar', 'pymatgen', 'json', 'extxyz'];

async function readRequestFile(io: CliIO, path: string): Promise<Record<string, unknown>> {
  const { text } = await io.readFile(path);
  try {
    const body = JSON.parse(text) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new UsageError(`--request: ${path} must hold a JSON object`);
    return body as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--request: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

/** Where the files of --formats vasp and report go: without --out the command only prints. */
function unwrittenFormatsWarning(formats: readonly string[]): string | null {
  const unwritten = [
    ...(formats.includes('vasp') ? ['the VASP folders (--formats vasp)'] : []),
    ...(formats.includes('report') ? ['report.html (--formats report)'] : []),
  ];
  if (unwritten.length === 0) return null;
  const verb = formats.includes('vasp') ? 'are' : 'is';
  return `warning: ${unwritten.join(' and ')} ${verb} written only with --out DIR (or into the service's archive); this run wrote no files\n`;
}

/** `defect-candidates generate`: exit code 0; bad input throws (CoreError, UsageError) and main() answers it with one line and exit code 2. */
export async function runGenerate(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    request: { type: 'string' },
    ...Object.fromEntries(REQUEST_FLAGS.map((f) => [f.option, { type: f.parse ? 'string' : 'boolean' } as const])),
    ...Object.fromEntries(Object.keys(FLAG_ALIASES).map((alias) => [alias, { type: 'string' } as const])),
    'input-format': { type: 'string' },
    species: { type: 'string' },
    out: { type: 'string' },
    report: { type: 'boolean' },
    summary: { type: 'boolean' },
  });
  const values = parsed.values;
  const file = singleFile(parsed, GENERATE_USAGE);
  for (const [alias, option] of Object.entries(FLAG_ALIASES)) {
    if (values[alias] === undefined) continue;
    if (values[option] !== undefined) throw new UsageError(`--${alias} is another name for --${option}: give one of them`);
    values[option] = values[alias];
  }

  const requestFile = typeof values.request === 'string' ? values.request : undefined;
  const request: Record<string, unknown> = requestFile ? await readRequestFile(io, requestFile) : {};
  // The fields set by flags, so that an error names the flag the user typed (the body's field otherwise).
  const setByFlag = new Set<string>();
  for (const flag of REQUEST_FLAGS) {
    const value = values[flag.option];
    if (value === undefined || value === false) continue;
    setPath(request, flag.path, flag.parse ? flag.parse(String(value)) : flag.value);
    setByFlag.add(flag.path);
  }
  if (values.report) {
    if (values.out === undefined) throw new UsageError('--report writes DIR/report.html: give --out DIR');
    // Added to what was asked (or to the defaults); anything malformed is left for the request schema to name.
    const formats = request.output_formats ?? parseRequest({}).output_formats;
    if (Array.isArray(formats) && !formats.includes('report')) request.output_formats = [...formats, 'report'];
  }

  const inputFormat = values['input-format'];
  if (inputFormat !== undefined && !INPUT_FORMATS.includes(inputFormat as StructureFormat)) {
    throw new UsageError(`--input-format: '${String(inputFormat)}' is not one of ${INPUT_FORMATS.join(', ')}`);
  }
  const out = typeof values.out === 'string' ? resolve(values.out) : undefined;
  // Checked before the work: a folder that cannot be written into is refused at once.
  const earlier = out === undefined ? undefined : earlierRun(out);
  const species = speciesList(values.species);
  const { text: content, warnings } = await io.readFile(file);
  // The bar draws only on a terminal, and is cleared before the tables are printed.
  const progress = progressReporter(io.progressStream);
  let answer: DefectAnswer;
  try {
    try {
      answer = generate(
        { content, filename: file, format: inputFormat as StructureFormat | undefined, ...(species ? { species } : {}), warnings },
        request,
        { onProgress: progress.onGenerate },
      );
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      throw new UsageError(err.issues.map((issue) => issueInFlagTerms(issue, setByFlag, requestFile)).join('; '));
    }
    if (out !== undefined && earlier !== undefined) {
      if (answer.parameters.output_formats.includes('report') && !io.renderReport) throw new UsageError('this build of the command cannot write report.html (no page renderer)');
      const files = answerFiles(answer, { renderReport: io.renderReport });
      removeEarlierRun(out, earlier);
      files.forEach((f, i) => {
        const path = join(out, f.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
        progress.onFiles(i + 1, files.length);
      });
    }
  } finally {
    progress.stop();
  }
  io.stdout(`${JSON.stringify(values.summary ? summarizeAnswer(answer) : answer, null, 2)}\n`);
  // The tables speak the command line's flags where the answer (stdout, the service's JSON) names request fields.
  const groups = answer.groups.map((g) => (g.reason ? { ...g, reason: inFlagTerms(g.reason) } : g));
  io.stderr(defectTables({ ...answer, groups, warnings: answer.warnings.map(inFlagTerms) }));
  const unwritten = out === undefined ? unwrittenFormatsWarning(answer.parameters.output_formats) : null;
  if (unwritten) io.stderr(unwritten);
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
