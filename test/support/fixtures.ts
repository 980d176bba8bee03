import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Structure } from '../../packages/core/src/base/structure.ts';
import { readStructure } from '../../packages/core/src/io/read.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The reference fixtures (`fixtures/` in the repository, a copy of the shared set), or FIXTURES_DIR. */
export const FIXTURES_DIR = process.env.FIXTURES_DIR ?? resolve(REPO_ROOT, 'fixtures');

export function fixturePath(relative: string): string {
  return join(FIXTURES_DIR, relative);
}

export function readFixture(relative: string): string {
  return readFileSync(fixturePath(relative), 'utf8');
}

export function structureFixture(name: string): string {
  return readFixture(join('structures', name));
}

interface ReferenceEntry {
  n_sites: number;
  formula: string;
  symmetry: { spacegroup_number: number; spacegroup_symbol: string };
  pymatgen_analysis_defects: { vacancies: string[]; antisites: string[]; substitutions: string[]; dopant: string };
  doped?: { defects: { name: string; wyckoff: string; charges: number[] }[] };
}

let reference: { structures: Record<string, ReferenceEntry> } | null = null;

/** `reference.json`: what pymatgen-analysis-defects and doped make of each fixture. */
export function referenceFor(structure: string): ReferenceEntry {
  reference ??= JSON.parse(readFixture('reference.json')) as { structures: Record<string, ReferenceEntry> };
  const entry = reference.structures[structure];
  if (!entry) throw new Error(`no reference for ${structure}`);
  return entry;
}

/**
 * The structures of `folders` (under the fixtures) that the readers accept, as `[folder/file,
 * structure]`, in file-name order: READMEs and `*.expected.json` answers are left out, and so are
 * the files a reader refuses (cases/ holds some that are meant to be refused).
 */
export function readableFixtures(folders: readonly string[]): [string, Structure][] {
  const files = folders.flatMap((folder) =>
    readdirSync(fixturePath(folder))
      .filter((f) => !f.endsWith('.md') && !f.endsWith('.expected.json'))
      .sort()
      .map((f) => `${folder}/${f}`),
  );
  return files.flatMap((path): [string, Structure][] => {
    try {
      return [[path, readStructure(readFixture(path), { filename: path.split('/').pop() }).structure]];
    } catch {
      return [];
    }
  });
}
