/**
 * `npm run bench [-- options]`: the core benchmark (per fixture and stage, and scaling with size);
 * `--service` runs the service benchmark instead (needs Redis). Options:
 *   --json               core medians as JSON: fixture → stage → ms, and `total`
 *   --markdown           tables as Markdown (for bench/RESULTS.md)
 *   --profile a,b        core request profiles (defaults, full, vacsub, interstitials); --json uses the first
 *   --fixtures CdTe,MgO  only fixtures whose file name starts with one of these
 *   --budget-ms N        wall time per fixture and profile (default 1500; at least 15 runs)
 *   --no-scaling | --scaling-only | --max-n N (default 5)
 *   --no-large           skip the large input cells (n×n×n supercells as input, issue 11)
 *   --service            service benchmark; see bench/service/run-service.ts for its options
 */
import { parseArgs } from 'node:util';
import { PROFILES, coreJson, coreReport, runCore } from './core/run-core.ts';
import { profileByName } from './core/profiles.ts';
import { FIXTURES_DIR } from './core/fixtures.ts';
import { describeMachine, machine } from './machine.ts';

if (process.argv.includes('--service')) {
  const { main } = await import('./service/run-service.ts');
  await main(process.argv.slice(2));
  process.exit(process.exitCode ?? 0);
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    profile: { type: 'string' },
    fixtures: { type: 'string' },
    'budget-ms': { type: 'string', default: '1500' },
    'no-scaling': { type: 'boolean', default: false },
    'scaling-only': { type: 'boolean', default: false },
    'max-n': { type: 'string', default: '5' },
    'no-large': { type: 'boolean', default: false },
  },
  strict: true,
});

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
const profiles = values.profile ? list(values.profile).map(profileByName) : values.json ? [PROFILES[0]] : PROFILES;
const log = (line: string) => process.stderr.write(`${line}\n`);

const results = await runCore({
  profiles: values['scaling-only'] ? [] : profiles,
  fixtures: list(values.fixtures),
  budgetMs: Number(values['budget-ms']),
  scaling: !values.json && !values['no-scaling'],
  maxN: Number(values['max-n']),
  scalingBudgetMs: Math.max(2000, Number(values['budget-ms'])),
  largeInputs: !values.json && !values['no-large'] && !values['no-scaling'],
  log,
});

if (values.json) {
  process.stdout.write(`${JSON.stringify(coreJson(results), null, 2)}\n`);
} else {
  process.stdout.write(`Machine: ${describeMachine(machine())}\nFixtures: ${FIXTURES_DIR}\n`);
  process.stdout.write(`${coreReport(results, { markdown: values.markdown })}\n`);
}
if (results.mirrorProblems.length > 0) process.exitCode = 1;
