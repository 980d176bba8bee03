import { parseArgs } from 'node:util';
import type { StructureFormat } from '../base/errors.ts';
import type { SupercellSpec } from '../supercell/resolve.ts';
import { UsageError } from './io.ts';

export type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/**
 * `--flag -5` as `--flag=-5` for an option that takes a value: parseArgs would call a negative
 * number an ambiguous argument, and the flag's own check, which names what it accepts, would never
 * see it.
 */
function joinNegativeValues(args: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    if (name !== undefined && options[name]?.type === 'string' && /^-\.?\d/.test(args[i + 1] ?? '')) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** node:util parseArgs in strict mode, its (multi-line) complaints turned into one-line UsageErrors. */
export function parseCommandArgs(args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { positionals, values } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
    return { positionals, values: values as ParsedArgs['values'] };
  } catch (err) {
    // Node's text for an unknown option goes on about positionals after '--'; a mistyped flag is the likely cause.
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'(-[^']*)'/.exec((err as Error).message)?.[1] ?? 'this option';
      throw new UsageError(`unknown option ${option}; --help lists the options`);
    }
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' ').trim());
  }
}

/** The structure file argument: exactly one positional. */
export function singleFile(parsed: ParsedArgs, usage: string): string {
  if (parsed.positionals.length !== 1) {
    throw new UsageError(`expected one structure file, got ${parsed.positionals.length}; usage: ${usage}`);
  }
  return parsed.positionals[0];
}

const INPUT_FORMATS: readonly StructureFormat[] = ['cif', 'poscar', 'pymatgen', 'json', 'extxyz'];

export function inputFormat(value: string | boolean | undefined): StructureFormat | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !INPUT_FORMATS.includes(value as StructureFormat)) {
    throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}, got '${String(value)}'`);
  }
  return value as StructureFormat;
}

export function positiveNumber(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, got '${String(value)}'`);
  }
  return n;
}

/**
 * --supercell: 'auto' (or nothing) → [], '2' → [2], '2,2,3' or '2x2x3' → [2,2,3], nine integers
 * ('1,-1,0,1,1,0,0,0,2', rows optionally separated by ';') → a 3×3 matrix.
 */
export function supercellSpec(value: string | boolean | undefined): SupercellSpec {
  if (value === undefined || value === 'auto') return [];
  const tokens = typeof value === 'string' ? value.trim().split(/[\s,;xX×]+/).filter((t) => t !== '') : [];
  const numbers = tokens.map(Number);
  if (tokens.length === 0 || !numbers.every((n) => Number.isInteger(n)) || ![1, 3, 9].includes(numbers.length)) {
    throw new UsageError(`--supercell must be 'auto', n, a,b,c or nine integers (a 3×3 matrix), got '${String(value)}'`);
  }
  if (numbers.length === 9) return [numbers.slice(0, 3), numbers.slice(3, 6), numbers.slice(6, 9)];
  return numbers;
}

/**
 * --species: the element of each species block of a VASP 4 POSCAR, in block order, separated by
 * spaces or commas ('Sn O', 'Sn,O'); undefined when not given.
 */
export function speciesList(value: string | boolean | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const species = typeof value === 'string' ? value.split(/[\s,]+/).filter((s) => s !== '') : [];
  if (species.length === 0) throw new UsageError(`--species must list element symbols, one per species block ('Sn O'), got '${String(value)}'`);
  return species;
}
