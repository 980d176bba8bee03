import { readStructure } from '../io/read.ts';
import { type OutputFormat, writeStructure } from '../io/write.ts';
import { inputFormat, parseCommandArgs, singleFile, speciesList } from './args.ts';
import type { CliCommand } from './command.ts';
import { UsageError } from './io.ts';

const USAGE = "defect-candidates convert FILE --to poscar|cif|json|extxyz [--format FMT] [--species 'Sn O']";

/** 'json' is what users type; the JSON we write is pymatgen's Structure.as_dict(). */
const TARGETS: Record<string, OutputFormat> = { poscar: 'poscar', cif: 'cif', json: 'pymatgen', pymatgen: 'pymatgen', extxyz: 'extxyz' };

/** The structure in another format on stdout; what the reader had to assume goes to stderr as warnings. */
export const convertCommand: CliCommand = {
  usage: USAGE,
  summary: 'write the structure in another format to stdout',
  async run(args, io) {
    const parsed = parseCommandArgs(args, { to: { type: 'string' }, format: { type: 'string' }, species: { type: 'string' } });
    const file = singleFile(parsed, USAGE);
    const to = parsed.values.to;
    if (typeof to !== 'string' || !(to in TARGETS)) {
      throw new UsageError(`--to must be one of poscar, cif, json, extxyz, got '${to === undefined ? '' : String(to)}'`);
    }
    const input = await io.readFile(file);
    const read = readStructure(input.text, { filename: file, format: inputFormat(parsed.values.format), species: speciesList(parsed.values.species) });
    for (const w of [...input.warnings, ...read.warnings]) io.stderr(`warning: ${w}\n`);
    const text = writeStructure(read.structure, TARGETS[to], { comment: `converted from ${file}` });
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
