/**
 * The cases from the field that are about reading (fixtures/cases/README.md): each input must give
 * every field of its `X.expected.json`, through the installed command (`defect-candidates inspect`)
 * and through the library.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/cli.ts';
import { analyzeSymmetry } from '../symmetry/analyze.ts';
import { formula } from '../base/structure.ts';
import { decodeStructureFile } from './compression.ts';
import { readStructure } from './read.ts';

const CASES = fileURLToPath(new URL('../../../../fixtures/cases/', import.meta.url));

/** What an `inspect` case may state; any field left out is not checked. */
interface InspectCase {
  command: 'inspect';
  must_exit: number;
  formula?: string;
  n_sites?: number;
  spacegroup?: number;
  /** Element → its Wyckoff letters, each once, sorted. */
  wyckoff?: Record<string, string[]>;
  elements_in_order?: string[];
  composition?: Record<string, number>;
  notes: string;
}

/** The fields a case can check, as one structure's analysis gives them. */
type Outcome = Omit<InspectCase, 'command' | 'must_exit' | 'notes'>;

function expectedOf(input: string): InspectCase {
  const base = input.replace(/\.[^.]+$/, '');
  return JSON.parse(readFileSync(`${CASES}${base}.expected.json`, 'utf8')) as InspectCase;
}

function outcomeOf(sites: { element: string; wyckoff: string }[], facts: { formula: string; n_sites: number; spacegroup: number }): Outcome {
  const wyckoff: Record<string, string[]> = {};
  const composition: Record<string, number> = {};
  for (const s of sites) {
    wyckoff[s.element] = [...new Set([...(wyckoff[s.element] ?? []), s.wyckoff])].sort();
    composition[s.element] = (composition[s.element] ?? 0) + 1;
  }
  return { ...facts, wyckoff, elements_in_order: sites.map((s) => s.element), composition };
}

/** The fields the case states: all of them are checked, and only those. */
function statedFields(expected: InspectCase): Outcome {
  const { command: _command, must_exit: _exit, notes: _notes, ...fields } = expected;
  return fields;
}

function pick(outcome: Outcome, keys: string[]): Outcome {
  return Object.fromEntries(keys.map((k) => [k, outcome[k as keyof Outcome]])) as Outcome;
}

async function viaCommandLine(input: string, expected: InspectCase): Promise<Outcome> {
  const run = await runCli(expected.command, `${CASES}${input}`);
  expect(run.code, run.stderr).toBe(expected.must_exit);
  const report = JSON.parse(run.stdout) as { formula: string; n_sites: number; spacegroup: { number: number }; sites: { element: string; wyckoff: string }[] };
  return outcomeOf(report.sites, { formula: report.formula, n_sites: report.n_sites, spacegroup: report.spacegroup.number });
}

async function viaLibrary(input: string): Promise<Outcome> {
  const { text } = await decodeStructureFile(readFileSync(`${CASES}${input}`), { maxBytes: 1 << 20 });
  const { structure } = readStructure(text, { filename: input });
  const analysis = analyzeSymmetry(structure);
  const sites = structure.species.map((element, i) => ({ element, wyckoff: analysis.sites[i].wyckoff }));
  return outcomeOf(sites, { formula: formula(structure), n_sites: structure.species.length, spacegroup: analysis.number });
}

/** Checks the fields the case states, all of them or those in `only`. */
async function expectCase(input: string, only?: (keyof Outcome)[]): Promise<void> {
  const expected = expectedOf(input);
  expect(expected.command).toBe('inspect');
  const keys = only ?? Object.keys(statedFields(expected));
  expect(keys.length).toBeGreaterThan(0);
  const fields = pick(statedFields(expected), keys);
  expect(pick(await viaCommandLine(input, expected), keys)).toEqual(fields);
  expect(pick(await viaLibrary(input), keys)).toEqual(fields);
}

describe('cases from the field about reading: every field of X.expected.json, by the command line and the library', () => {
  it("kmnf3-dot-coordinates: '.' written for a zero coordinate reads as 0", async () => {
    await expectCase('kmnf3-dot-coordinates.cif', ['formula', 'n_sites', 'spacegroup']);
  });

  // The letters of the file as given (Mn at the origin), as spglib gives them: the origin rule is
  // issue 11's (canonical Wyckoff letters); until it lands the letters are those of the origin on
  // the first-listed atom, F.
  it('kmnf3-dot-coordinates: Wyckoff letters K 1b, Mn 1a, F 3d', async () => {
    await expectCase('kmnf3-dot-coordinates.cif', ['wyckoff']);
  });

  it('water-labels-no-type-symbol: Wat, OW2, Hw1 and O-H(1) are oxygen and hydrogen, not tungsten', async () => {
    await expectCase('water-labels-no-type-symbol.cif');
  });

  it('vasp4-species-in-comment: a VASP 4 file takes its species from the comment line Cd4 Te4', async () => {
    await expectCase('vasp4-species-in-comment.vasp');
  });

  it('vasp4-species-after-coordinates: a VASP 4 file takes its species from the names after each coordinate', async () => {
    await expectCase('vasp4-species-after-coordinates.vasp');
  });

  it('CdTe-POSCAR.gz: a gzip-compressed POSCAR is unpacked by its magic bytes', async () => {
    await expectCase('CdTe-POSCAR.gz');
  });
});
