import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { growthExponent, linearFit, ms } from '../stats.ts';
import { table } from '../table.ts';
import { type BenchFixture, FIXTURES_DIR, REPO_ROOT, loadFixtures } from './fixtures.ts';
import { type Measurement, type MeasureOptions, measure } from './measure.ts';
import { PROFILES, type Profile } from './profiles.ts';
import { STAGES, type Stage, checkMirror } from './stages.ts';

export interface CoreOptions {
  profiles: Profile[];
  fixtures: string[];
  budgetMs: number;
  scaling: boolean;
  maxN: number;
  scalingBudgetMs: number;
  /** The large-input section: n×n×n supercells given as the input cell (issue 11). */
  largeInputs: boolean;
  log: (line: string) => void;
}

export interface LargeInputPoint {
  kind: string;
  n: number;
  atoms: number;
  spaceGroup: string;
  translations: number;
  supercellAtoms: number;
  runs: number;
  readMs: number;
  symmetryMs: number;
  generateMs: number;
}

/** The large input cells: kind and n of the n×n×n supercell (atoms in the comment). */
export const LARGE_INPUTS: [string, number][] = [
  ['simple-cubic', 7], // 343
  ['diamond', 4], // 512
  ['simple-cubic', 10], // 1,000
  ['rock-salt-primitive', 8], // 1,024
  ['rock-salt', 8], // 4,096
  ['simple-cubic-vacancy', 10], // 999: a supercell with a defect, no pure translations
];

export interface ScalingPoint {
  n: number;
  nAtoms: number;
  nCandidates: number;
  firstMs: number;
  baselineRss: number;
  /** Peak RSS during the size's first `generate()` (VmHWM reset before it) when peakIsRunOwn. */
  peakRss: number;
  peakIsRunOwn: boolean;
  /** Heap still in use after the first call, the answer included, over the warmed-up baseline. */
  retainedHeap: number;
  answerBytes: number;
  measurement: Measurement;
  allocation: { allocated: number; stages: Record<Stage, number>; clean: boolean };
}

export interface CoreResults {
  fixtures: BenchFixture[];
  profiles: { profile: Profile; byFixture: Record<string, Measurement> }[];
  scaling: ScalingPoint[];
  large: LargeInputPoint[];
  mirrorProblems: string[];
}

export async function runCore(options: CoreOptions): Promise<CoreResults> {
  const fixtures = loadFixtures(options.fixtures);
  if (fixtures.length === 0) throw new Error(`no fixture matches ${options.fixtures.join(', ')} in ${FIXTURES_DIR}/structures`);
  const measureOptions: MeasureOptions = { warmup: 5, minIterations: 15, maxIterations: 500, budgetMs: options.budgetMs };
  const mirrorProblems: string[] = [];
  const profiles: CoreResults['profiles'] = [];
  for (const profile of options.profiles) {
    const byFixture: Record<string, Measurement> = {};
    for (const fixture of fixtures) {
      const input = { content: fixture.content, filename: fixture.name };
      const request = profile.request(fixture);
      const problem = checkMirror(input, request);
      if (problem) mirrorProblems.push(`${profile.name} ${fixture.name}: ${problem}`);
      options.log(`core ${profile.name} ${fixture.name}…`);
      byFixture[fixture.name] = measure(input, request, measureOptions);
    }
    profiles.push({ profile, byFixture });
  }
  const scaling: ScalingPoint[] = [];
  if (options.scaling) {
    for (let n = 1; n <= options.maxN; n++) {
      options.log(`core scaling CdTe ${n}×${n}×${n}…`);
      const point = await runChild<Omit<ScalingPoint, 'allocation'>>(['--expose-gc'], 'scaling-child.ts', [String(n), String(options.scalingBudgetMs)]);
      const allocation = await runChild<ScalingPoint['allocation']>(
        ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'],
        'allocation-child.ts',
        [String(n)],
      );
      scaling.push({ ...point, allocation });
    }
  }
  const large: LargeInputPoint[] = [];
  if (options.largeInputs) {
    for (const [kind, n] of LARGE_INPUTS) {
      options.log(`core large input ${kind} ${n}×${n}×${n}…`);
      large.push(await runChild<LargeInputPoint>([], 'large-input-child.ts', [kind, String(n), String(options.scalingBudgetMs)]));
    }
  }
  return { fixtures, profiles, scaling, large, mirrorProblems };
}

/** Runs one of the per-size scripts in a fresh process and returns the JSON line it prints. */
function runChild<T>(nodeFlags: string[], script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(REPO_ROOT, 'bench/core', script), FIXTURES_DIR, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${script} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
    });
  });
}

/** fixture file name → stage → median ms, and `total` (a whole `generate()` call). */
export function coreJson(results: CoreResults, profileIndex = 0): Record<string, Record<string, number>> {
  const { byFixture } = results.profiles[profileIndex];
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return Object.fromEntries(
    Object.entries(byFixture).map(([name, m]) => [
      name,
      { ...Object.fromEntries(STAGES.map((s) => [s, round(m.stages[s].median)])), prepare: round(m.prepare.median), total: round(m.total.median) },
    ]),
  );
}

const STAGE_HEADER: Record<Stage, string> = {
  read: 'read',
  symmetry: 'symm',
  supercell: 'super',
  oxidation: 'oxid',
  vacancies: 'vac',
  substitutions: 'sub',
  interstitials: 'int',
  select: 'select',
  writing: 'write',
};

function speedup(referenceSeconds: number | null, oursMs: number): string {
  if (referenceSeconds === null) return '–';
  return `${Math.round((referenceSeconds * 1000) / oursMs)}×`;
}

export function coreReport(results: CoreResults, options: { markdown?: boolean } = {}): string {
  const md = options.markdown === true;
  const out: string[] = [];
  const heading = (text: string) => out.push(md ? `\n#### ${text}\n` : `\n== ${text}`);
  const byName = new Map(results.fixtures.map((f) => [f.name, f]));

  for (const { profile, byFixture } of results.profiles) {
    heading(`Core, profile "${profile.name}": ${profile.description}`);
    out.push(md ? 'Median ms per stage; `Σ` is the sum of the stages, `generate()` a whole call timed from outside (median and p95).\n' : 'median ms per stage; Σ = sum of stages; generate() = one whole call (median, p95)');
    const rows = Object.entries(byFixture).map(([name, m]) => {
      const f = byName.get(name)!;
      const ref = f.reference && profile.referenceSeconds(f.reference);
      return [
        name,
        `${f.nSites}→${m.nAtoms}`,
        String(m.nCandidates),
        ...STAGES.map((s) => ms(m.stages[s].median)),
        ms(m.stagedTotal.median),
        ms(m.total.median),
        ms(m.total.p95),
        ...(profile.referenceLabel
          ? [ms(m.generatorWork.median), ref ? (ref * 1000).toFixed(0) : '–', speedup(ref ?? null, m.total.median), speedup(ref ?? null, m.generatorWork.median)]
          : []),
        String(m.iterations),
      ];
    });
    out.push(
      table(
        ['fixture', 'atoms', 'cands', ...STAGES.map((s) => STAGE_HEADER[s]), 'Σ', 'generate()', 'p95', ...(profile.referenceLabel ? ['gen. work', 'ref ms', 'speed-up', 'like-for-like'] : []), 'runs'],
        rows,
        { markdown: md },
      ),
    );
    out.push(md ? '\np95 ms per stage:\n' : 'p95 ms per stage:');
    out.push(
      table(
        ['fixture', ...STAGES.map((s) => STAGE_HEADER[s]), 'Σ'],
        Object.entries(byFixture).map(([name, m]) => [name, ...STAGES.map((s) => ms(m.stages[s].p95)), ms(m.stagedTotal.p95)]),
        { markdown: md },
      ),
    );
    if (profile.referenceLabel) {
      out.push(
        `${md ? '\n' : ''}ref ms: pymatgen-analysis-defects v2023.04.05, ${profile.referenceLabel} (reference.json, a 2-core machine). ` +
          'speed-up = ref / generate() median (our whole run: read, supercell and writing included). ' +
          'gen. work = median of symm + oxid + vac + sub + int + select per run, the part the reference generators also do (they neither read files, build supercells nor write structures); like-for-like = ref / gen. work.',
      );
    }
  }

  const defaults = results.profiles.find((p) => p.profile.name === 'defaults');
  if (defaults) {
    heading('Read + symmetry + automatic supercell (what the API runs at submission), profile "defaults"');
    out.push(
      table(
        ['fixture', 'input atoms', 'median ms', 'p95 ms'],
        Object.entries(defaults.byFixture).map(([name, m]) => [name, String(byName.get(name)!.nSites), ms(m.prepare.median), ms(m.prepare.p95)]),
        { markdown: md },
      ),
    );
  }

  const targets: string[] = [];
  if (defaults) {
    const small = Object.entries(defaults.byFixture).filter(([name]) => byName.get(name)!.nSites <= 30);
    const worst = Math.max(...small.map(([, m]) => m.prepare.median));
    targets.push(`read + symmetry + automatic supercell under 20 ms (structures up to 30 atoms): ${worst < 20 ? 'met' : 'NOT met'}, slowest median ${ms(worst)} ms`);
  }
  for (const [name, label] of [
    ['vacsub', 'vacancy + substitution run incl. writing'],
    ['interstitials', 'interstitial generation'],
    ['full', 'all three families'],
  ] as const) {
    const p = results.profiles.find((x) => x.profile.name === name);
    if (!p) continue;
    const rows = Object.entries(p.byFixture).flatMap(([fixture, m]) => {
      const ref = byName.get(fixture)!.reference;
      const r = ref && p.profile.referenceSeconds(ref);
      return r ? [{ fixture, whole: (r * 1000) / m.total.median, work: (r * 1000) / m.generatorWork.median }] : [];
    });
    if (rows.length === 0) continue;
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const whole = sorted(rows.map((r) => r.whole));
    const under = rows.filter((r) => r.whole < 50).map((r) => `${r.fixture} ${Math.round(r.whole)}× (like-for-like ${Math.round(r.work)}×)`);
    targets.push(
      `${label} ≥ 50× the reference: ${under.length === 0 ? 'met on every fixture' : `met on ${rows.length - under.length} of ${rows.length}`}; ` +
        `whole-run speed-up ${Math.round(whole[0])}× to ${Math.round(whole[whole.length - 1])}×, median ${Math.round(whole[Math.floor(whole.length / 2)])}×` +
        (under.length > 0 ? `; below 50×: ${under.join(', ')}` : ''),
    );
  }
  if (targets.length > 0) {
    heading('Targets (issues 2, 3, 4)');
    out.push(...targets.map((t) => (md ? `- ${t}` : `* ${t}`)));
  }

  if (results.scaling.length > 0) {
    heading('Scaling: CdTe conventional cell n×n×n, request {"supercell": [n]} (defaults otherwise), one fresh process per size');
    const pts = results.scaling;
    out.push(
      table(
        ['n', 'atoms', 'cands', ...STAGES.map((s) => STAGE_HEADER[s]), 'generate() med', 'p95', 'first call', 'peak RSS MB', 'peak over baseline MB', 'heap retained MB', 'answer KB'],
        pts.map((p) => [
          String(p.n),
          String(p.nAtoms),
          String(p.nCandidates),
          ...STAGES.map((s) => ms(p.measurement.stages[s].median)),
          ms(p.measurement.total.median),
          ms(p.measurement.total.p95),
          ms(p.firstMs),
          (p.peakRss / 2 ** 20).toFixed(1),
          p.peakIsRunOwn ? (Math.max(0, p.peakRss - p.baselineRss) / 2 ** 20).toFixed(1) : '–',
          (p.retainedHeap / 2 ** 20).toFixed(1),
          (p.answerBytes / 1024).toFixed(0),
        ]),
        { markdown: md },
      ),
    );
    if (pts.length >= 3) {
      const big = pts.filter((p) => p.nAtoms >= 64);
      const use = big.length >= 2 ? big : pts;
      const k = growthExponent(
        use.map((p) => p.nAtoms),
        use.map((p) => p.measurement.total.median),
      );
      const kw = growthExponent(
        use.map((p) => p.nAtoms),
        use.map((p) => p.measurement.stages.writing.median),
      );
      const ka = growthExponent(
        use.map((p) => p.nAtoms),
        use.map((p) => p.answerBytes),
      );
      const ka2 = growthExponent(
        use.map((p) => p.nAtoms),
        use.map((p) => p.allocation.allocated),
      );
      out.push(
        `${md ? '\n' : ''}Memory: a fresh process per size, warmed on 1×1×1; its peak-RSS counter (VmHWM) is reset just before the measured call, so "peak over baseline" is that call's own ` +
          '(V8 reuses heap pages the warm-up already committed, so small peaks hardly show in RSS).',
      );
      out.push(md ? '\nHeap allocated by one call, MB per stage (fresh process, warmed at the size, young generation of 256 MB so that no GC runs during the call: the total bounds the peak heap from above):\n' : 'heap allocated by one call, MB per stage (no GC during the call):');
      out.push(
        table(
          ['n', 'atoms', ...STAGES.map((s) => STAGE_HEADER[s]), 'total MB', 'no GC'],
          pts.map((p) => [
            String(p.n),
            String(p.nAtoms),
            ...STAGES.map((s) => (p.allocation.stages[s] / 2 ** 20).toFixed(2)),
            (p.allocation.allocated / 2 ** 20).toFixed(1),
            p.allocation.clean ? 'yes' : 'no',
          ]),
          { markdown: md },
        ),
      );
      out.push(`${md ? '\n' : ''}Heap allocated per call ∝ atoms^${ka2.toFixed(2)} over ${use[0].nAtoms}–${use[use.length - 1].nAtoms} atoms.`);
      out.push(
        `${md ? '\n' : ''}Straight-line fits over all sizes: ${fitText(pts, (p) => p.measurement.total.median, 'ms', 'generate()')}; ${fitText(pts, (p) => p.measurement.stages.writing.median, 'ms', 'writing')}; ` +
          `${fitText(pts, (p) => p.allocation.allocated / 2 ** 20, 'MB', 'heap allocated')}.`,
      );
      out.push(
        `${md ? '\n' : ''}Growth (least-squares log-log slope over ${use[0].nAtoms}–${use[use.length - 1].nAtoms} atoms): generate() ∝ atoms^${k.toFixed(2)}, writing ∝ atoms^${kw.toFixed(2)}, answer size ∝ atoms^${ka.toFixed(2)}.`,
      );
    }
  }

  if (results.large.length > 0) {
    heading('Large input cells: n×n×n supercells sent as the input (POSCAR), default request, one fresh process per cell');
    const pts = results.large;
    out.push(
      table(
        ['input', 'atoms', 'group', 'pure transl.', 'read ms', 'symmetry ms', 'read+symm ms', 'generate() ms', 'supercell atoms', 'runs'],
        pts.map((p) => [
          `${p.kind} ${p.n}×${p.n}×${p.n}`,
          String(p.atoms),
          p.spaceGroup,
          String(p.translations),
          ms(p.readMs),
          ms(p.symmetryMs),
          ms(p.readMs + p.symmetryMs),
          ms(p.generateMs),
          String(p.supercellAtoms),
          String(p.runs),
        ]),
        { markdown: md },
      ),
    );
    const perfect = pts.filter((p) => p.translations > 1);
    if (perfect.length >= 2) {
      const atoms = perfect.map((p) => p.atoms);
      const k = growthExponent(atoms, perfect.map((p) => p.symmetryMs));
      const kr = growthExponent(atoms, perfect.map((p) => p.readMs + p.symmetryMs));
      out.push(
        `${md ? '\n' : ''}Growth over the perfect supercells (${Math.min(...atoms)}–${Math.max(...atoms)} atoms, least-squares log-log slope): ` +
          `symmetry ∝ atoms^${k.toFixed(2)}, read + symmetry ∝ atoms^${kr.toFixed(2)}. Aim (issue 11): read + symmetry under 300 ms at 1,000 atoms, roughly linear.`,
      );
    }
  }

  if (results.mirrorProblems.length > 0) {
    heading('WARNING: the staged pipeline no longer matches generate()');
    out.push(...results.mirrorProblems);
  }
  return out.join('\n');
}

function fitText(pts: ScalingPoint[], y: (p: ScalingPoint) => number, unit: string, what: string): string {
  const { intercept, slope } = linearFit(
    pts.map((p) => p.nAtoms),
    pts.map(y),
  );
  const perAtom = unit === 'ms' ? `${(slope * 1000).toFixed(2)} µs` : `${(slope * 1024).toFixed(1)} KB`;
  return `${what} ≈ ${intercept.toFixed(2)} ${unit} + ${perAtom} per atom`;
}

export { PROFILES };
