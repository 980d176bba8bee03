import { FIELD_EXPECTATIONS, REQUEST_LIMITS } from '../request.ts';
import { supercellSpec } from './args.ts';

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

/** A `generate` flag that sets one request field (dot-separated `path` for a nested one). */
export interface RequestFlag {
  /** The option's name without the dashes, as node:util parseArgs takes it. */
  option: string;
  path: string;
  /** The flag's value as the request field takes it; a boolean flag has none. */
  parse?: (text: string) => unknown;
  /** The field's value when a boolean flag is given. */
  value?: unknown;
  /** What the flag accepts, when the request's wording (FIELD_EXPECTATIONS) does not fit a command line. */
  expects?: string;
}

/** The flags of `generate` that set request fields, in the usage line's order. */
export const REQUEST_FLAGS: readonly RequestFlag[] = [
  { option: 'supercell', path: 'supercell', parse: supercellSpec },
  { option: 'types', path: 'defect_types', parse: list },
  { option: 'dopants', path: 'dopant_elements', parse: list },
  { option: 'max-candidates', path: 'max_candidates', parse: numberOrRaw },
  { option: 'max-per-type', path: 'max_candidates_per_type', parse: numberOrRaw },
  { option: 'seed', path: 'random_seed', parse: numberOrRaw },
  { option: 'no-dedupe', path: 'dedupe_symmetry', value: false },
  { option: 'symprec', path: 'symprec', parse: numberOrRaw },
  { option: 'min-image-distance', path: 'min_image_distance', parse: numberOrRaw },
  { option: 'formats', path: 'output_formats', parse: list },
  { option: 'interstitial-sites', path: 'interstitial_sites', parse: parseSites },
  { option: 'interstitial-min-distance', path: 'interstitial_min_distance', parse: numberOrRaw },
  { option: 'cluster-tolerance', path: 'interstitial_cluster_tolerance', parse: numberOrRaw },
  { option: 'no-adsorption', path: 'adsorption_sites', value: false },
  { option: 'vasp-functional', path: 'vasp_settings.functional', parse: (text) => text },
  {
    option: 'reciprocal-density',
    path: 'vasp_settings.reciprocal_density',
    parse: numberOrRaw,
    expects:
      `must be a number from ${REQUEST_LIMITS.reciprocalDensity.min} to ${REQUEST_LIMITS.reciprocalDensity.max} (k-points per Å⁻³); ` +
      'leave --reciprocal-density out for Γ-only KPOINTS',
  },
];

/** `--max-candidates-per-type` is the field's own name, as a flag: the same as `--max-per-type`. */
export const FLAG_ALIASES: Readonly<Record<string, string>> = { 'max-candidates-per-type': 'max-per-type' };

/** Sets `path` (dot-separated) in `body`, making the objects on the way (a copy of any the body had). */
export function setPath(body: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = body;
  for (const key of keys.slice(0, -1)) {
    const inner = target[key];
    target[key] = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? { ...(inner as Record<string, unknown>) } : {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys.at(-1)!] = value;
}

/** The flag that sets the request field at `path` or holds it (`dopant_elements.1` is `--dopants`'s). */
export function flagOf(path: string): RequestFlag | undefined {
  return REQUEST_FLAGS.find((f) => path === f.path || path.startsWith(`${f.path}.`));
}

/**
 * A request issue in the command line's words: `--vasp-functional: must be pbesol or hse06 (got
 * "pbe")` when a flag set the field; the field's path and the body file when `--request` did.
 */
export function issueInFlagTerms(issue: { path: string; message: string }, setByFlag: ReadonlySet<string>, requestFile?: string): string {
  const flag = flagOf(issue.path);
  if (flag && setByFlag.has(flag.path)) {
    const standard = FIELD_EXPECTATIONS[flag.path];
    const message = flag.expects && standard && issue.message.startsWith(standard) ? flag.expects + issue.message.slice(standard.length) : issue.message;
    return `--${flag.option}: ${message}`;
  }
  return `${issue.path || '(request)'}${requestFile ? ` (in ${requestFile})` : ''}: ${issue.message}`;
}

/**
 * Text of the core's (warnings, group reasons) in the command line's words: each snake_case request
 * field it names becomes the flag that sets it (`max_candidates` → `--max-candidates`,
 * `vasp_settings` → `--vasp-functional/--reciprocal-density`).
 */
export function inFlagTerms(text: string): string {
  const names = new Map<string, string>();
  for (const f of REQUEST_FLAGS) {
    const [top, nested] = f.path.split('.');
    // Only the snake_case names: `supercell` and `symprec` are also plain words of the messages.
    if (!top.includes('_')) continue;
    names.set(top, nested === undefined ? `--${f.option}` : names.has(top) ? `${names.get(top)}/--${f.option}` : `--${f.option}`);
  }
  // A boolean flag sets its field to one value: "adsorption_sites is false" is "--no-adsorption was given",
  // where the name alone would read "--no-adsorption is false", the opposite of what the user did.
  for (const f of REQUEST_FLAGS) {
    if (f.value === undefined || f.path.includes('.')) continue;
    text = text.split(`${f.path} is ${String(f.value)}`).join(`--${f.option} was given`);
  }
  // Longest names first, so that max_candidates_per_type is never read as max_candidates.
  const pattern = new RegExp(`\\b(${[...names.keys()].sort((a, b) => b.length - a.length).join('|')})\\b`, 'g');
  return text.replace(pattern, (name) => names.get(name)!);
}
