import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The reference fixtures (`fixtures/` in the repository), or FIXTURES_DIR. */
export const FIXTURES_DIR = process.env.FIXTURES_DIR ?? resolve(REPO_ROOT, 'fixtures');

/** Seconds pymatgen-analysis-defects spent per generator on the same file (reference.json). */
export interface ReferenceSeconds {
  vacancy: number;
  antisite: number;
  substitution: number;
  interstitial: number;
}

export interface BenchFixture {
  /** File name, as reference.json keys it. */
  name: string;
  content: string;
  nSites: number;
  /** The dopant the reference run used for its substitutions. */
  dopant: string | null;
  reference: ReferenceSeconds | null;
}

interface ReferenceFile {
  structures: Record<string, { n_sites: number; pymatgen_analysis_defects?: { dopant?: string; seconds?: ReferenceSeconds } }>;
}

export function loadFixtures(filter?: string[]): BenchFixture[] {
  const dir = join(FIXTURES_DIR, 'structures');
  const reference = JSON.parse(readFileSync(join(FIXTURES_DIR, 'reference.json'), 'utf8')) as ReferenceFile;
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .filter((name) => !filter || filter.length === 0 || filter.some((f) => name.toLowerCase().startsWith(f.toLowerCase())))
    .sort()
    .map((name) => {
      const entry = reference.structures[name];
      return {
        name,
        content: readFileSync(join(dir, name), 'utf8'),
        nSites: entry?.n_sites ?? Number.NaN,
        dopant: entry?.pymatgen_analysis_defects?.dopant ?? null,
        reference: entry?.pymatgen_analysis_defects?.seconds ?? null,
      };
    });
}
