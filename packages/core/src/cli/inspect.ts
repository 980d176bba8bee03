import { angles, lengths } from '../base/lattice.ts';
import { type Vec3 } from '../base/linalg.ts';
import { formula } from '../base/structure.ts';
import { spaceGroupReport } from '../generate.ts';
import { readStructure } from '../io/read.ts';
import { resolveSupercell } from '../supercell/resolve.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { inputFormat, parseCommandArgs, positiveNumber, singleFile, speciesList, supercellSpec } from './args.ts';
import type { CliCommand } from './command.ts';
import { formatJson } from './json.ts';

const USAGE = "defect-candidates inspect FILE [--symprec X] [--supercell auto|n|a,b,c|m11,...,m33] [--format FMT] [--species 'Sn O']";

/** Formula, lattice, space group, per-site Wyckoff labels and the supercell a request would get, as JSON; the warnings also on stderr. */
export const inspectCommand: CliCommand = {
  usage: USAGE,
  summary: 'print the structure, its symmetry and its supercell as JSON',
  async run(args, io) {
    const parsed = parseCommandArgs(args, {
      symprec: { type: 'string' },
      supercell: { type: 'string' },
      format: { type: 'string' },
      species: { type: 'string' },
    });
    const file = singleFile(parsed, USAGE);
    const symprec = positiveNumber('symprec', parsed.values.symprec);
    const spec = supercellSpec(parsed.values.supercell);
    const format = inputFormat(parsed.values.format);
    const input = await io.readFile(file);
    const read = readStructure(input.text, { filename: file, format, species: speciesList(parsed.values.species) });
    const s = read.structure;
    const analysis = analyzeSymmetry(s, { symprec });
    const supercell = resolveSupercell(s, analysis, spec);
    const report = {
      formula: formula(s),
      n_sites: s.species.length,
      format: read.format,
      lattice: {
        matrix: s.lattice.matrix.map(roundVec),
        abc: roundVec(lengths(s.lattice)),
        angles: roundVec(angles(s.lattice)),
      },
      spacegroup: { ...spaceGroupReport(analysis), hall_number: analysis.hallNumber },
      symmetry_sensitivity: analysis.sensitivity,
      sites: s.species.map((element, i) => {
        const label = analysis.sites[i];
        return {
          element,
          frac_coords: roundVec(s.fracCoords[i]),
          wyckoff: label.wyckoff,
          site_symmetry: label.siteSymmetry,
          point_group: label.pointGroup,
          orbit: analysis.orbits[i],
          multiplicity: label.multiplicity,
          conventional_frac_coords: roundVec(label.conventionalFracCoords),
        };
      }),
      supercell: {
        matrix: supercell.matrix,
        base: supercell.base,
        n_sites: supercell.nSites,
        min_image_distance: round(supercell.minImageDistance),
        diagonal: supercell.diagonal,
      },
      warnings: [...input.warnings, ...read.warnings, ...analysis.warnings, ...supercell.warnings],
    };
    io.stdout(`${formatJson(report)}\n`);
    for (const w of report.warnings) io.stderr(`warning: ${w}\n`);
    return 0;
  },
};

function round(x: number): number {
  const r = Math.round(x * 1e8) / 1e8;
  return Object.is(r, -0) ? 0 : r;
}

function roundVec(v: readonly number[]): Vec3 {
  return v.map(round) as Vec3;
}
