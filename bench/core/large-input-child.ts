/**
 * One large input cell of the large-input benchmark, in a fresh process:
 * `node --import tsx bench/core/large-input-child.ts <fixtures dir> <kind> <n> <budget ms>`.
 * The input is an n×n×n supercell written as a POSCAR (what users send: relaxed supercells,
 * CONTCARs); read, symmetry and a whole `generate()` with default options are timed. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { analyzeSymmetry, generate, readStructure } from '@defect-candidates/core';
import { median } from '../stats.ts';

export type LargeInputKind = 'diamond' | 'simple-cubic' | 'rock-salt' | 'rock-salt-primitive' | 'simple-cubic-vacancy';

/** Cell (rows, Å), species and fractional sites of each kind's repeated unit. */
const UNITS: Record<LargeInputKind, { a: number; rows: number[][]; sites: [string, number[]][] }> = {
  diamond: {
    a: 5.431,
    rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    sites: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]].flatMap((p): [string, number[]][] => [
      ['Si', p],
      ['Si', p.map((v) => v + 0.25)],
    ]),
  },
  'simple-cubic': { a: 2.5, rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], sites: [['Po', [0, 0, 0]]] },
  'simple-cubic-vacancy': { a: 2.5, rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], sites: [['Po', [0, 0, 0]]] },
  'rock-salt': {
    a: 5.64,
    rows: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    sites: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]].flatMap((p): [string, number[]][] => [
      ['Na', p],
      ['Cl', p.map((v) => v + 0.5)],
    ]),
  },
  'rock-salt-primitive': {
    a: 5.64,
    rows: [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]],
    sites: [['Na', [0, 0, 0]], ['Cl', [0.5, 0.5, 0.5]]],
  },
};

/** The n×n×n supercell as POSCAR text, species in blocks; the vacancy kind drops the atom at the origin. */
export function supercellPoscar(kind: LargeInputKind, n: number): string {
  const unit = UNITS[kind];
  const bySpecies = new Map<string, string[]>();
  for (const [el, p] of unit.sites) {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++) {
          if (kind === 'simple-cubic-vacancy' && i + j + k === 0) continue;
          const list = bySpecies.get(el) ?? [];
          list.push([(p[0] + i) / n, (p[1] + j) / n, (p[2] + k) / n].map((v) => v.toFixed(10)).join(' '));
          bySpecies.set(el, list);
        }
  }
  const species = [...bySpecies.keys()];
  return [
    `${kind} ${n}x${n}x${n}`,
    '1.0',
    ...unit.rows.map((r) => r.map((v) => (v * unit.a * n).toFixed(10)).join(' ')),
    species.join(' '),
    species.map((el) => bySpecies.get(el)!.length).join(' '),
    'Direct',
    ...species.flatMap((el) => bySpecies.get(el)!),
  ].join('\n');
}

if (process.argv[1]?.endsWith('large-input-child.ts')) {
  const [, kind, nArg, budgetArg] = process.argv.slice(2);
  const n = Number(nArg);
  const budgetMs = Number(budgetArg);
  const content = supercellPoscar(kind as LargeInputKind, n);
  const input = { content, format: 'poscar' as const };

  // Load moyo and compile the pipeline once, on the smallest cell of the kind.
  generate({ content: supercellPoscar(kind as LargeInputKind, kind === 'simple-cubic-vacancy' ? 2 : 1), format: 'poscar' }, {});

  const reads: number[] = [];
  const symmetries: number[] = [];
  const generates: number[] = [];
  let atoms = 0;
  let spaceGroup = '';
  let translations = 0;
  let supercellAtoms = 0;
  const start = performance.now();
  for (let i = 0; i < 50 && (i < 3 || performance.now() - start < budgetMs); i++) {
    let t = performance.now();
    const { structure } = readStructure(content, { format: 'poscar' });
    reads.push(performance.now() - t);
    t = performance.now();
    const analysis = analyzeSymmetry(structure);
    symmetries.push(performance.now() - t);
    t = performance.now();
    const answer = generate(input, {});
    generates.push(performance.now() - t);
    atoms = structure.species.length;
    spaceGroup = analysis.symbol;
    translations = analysis.translations.length;
    supercellAtoms = answer.supercell.n_atoms;
  }
  process.stdout.write(
    `${JSON.stringify({ kind, n, atoms, spaceGroup, translations, supercellAtoms, runs: reads.length, readMs: median(reads), symmetryMs: median(symmetries), generateMs: median(generates) })}\n`,
  );
}
