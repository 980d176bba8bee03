import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../apps/api/src/json-limits.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { SECRETS, serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// Bodies whose bytes fit BODY_LIMIT but whose shape would hold the event loop (100,000 nested
// arrays, megabytes of numbers) are refused from a scan of their raw bytes, before JSON.parse,
// with the bound named; an honest large structure still goes through.

const GENERATE = '/generate-point-defect-candidates';
const headers = { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json' };

let prefix: string;
let redis: Redis;
let api: TestApi;

beforeAll(async () => {
  prefix = uniquePrefix('json-shape');
  redis = await testRedis();
  api = await startTestApi(serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { LOG_LEVEL: 'silent' } }), [batchesPlugin()]);
});

afterAll(async () => {
  await api?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

/** Posts `body` to `path` while /healthz is asked at the same time; both answers. */
async function postWithHealthCheck(path: string, body: string) {
  const post = fetch(`${api.url}${path}`, { method: 'POST', headers, body });
  const health = fetch(`${api.url}/healthz`);
  const [res, healthz] = await Promise.all([post, health]);
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } }, healthz: healthz.status };
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const numbers = (n: number) => `[${Array.from({ length: n }, (_, i) => i % 1000).join(',')}]`;

describe('JSON bodies too deep or holding too many values', () => {
  it.each([GENERATE, '/batches'])('%s: 100,000 nested arrays → 400 json_too_deep naming the depth and byte offset; /healthz answers meanwhile', async (path) => {
    const body = `{"file": {"url": "https://example.org/a.cif"}, "supercell": ${deep(100_000)}}`;
    const { status, body: answer, healthz } = await postWithHealthCheck(path, body);
    expect(status).toBe(400);
    expect(answer.error?.code).toBe('json_too_deep');
    const offset = body.indexOf('[') + MAX_JSON_DEPTH - 1;
    expect(answer.error?.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels (depth ${MAX_JSON_DEPTH + 1} at byte offset ${offset})`);
    expect(healthz).toBe(200);
  });

  it.each([GENERATE, '/batches'])('%s: 4 MB of numbers → 413 json_too_many_values naming the limit; /healthz answers meanwhile', async (path) => {
    const body = `{"file": {"url": "https://example.org/a.cif"}, "items": ${numbers(1_000_000)}}`;
    expect(Buffer.byteLength(body)).toBeLessThan(5 * 1024 * 1024);
    const { status, body: answer, healthz } = await postWithHealthCheck(path, body);
    expect(status).toBe(413);
    expect(answer.error?.code).toBe('json_too_many_values');
    expect(answer.error?.message).toContain(`more than ${MAX_JSON_VALUES} values`);
    expect(healthz).toBe(200);
  });

  it('an honest large inline structure (4,913 atoms as pymatgen JSON, over 1 MB) is accepted', async () => {
    const n = 17;
    const a = 2.5 * n;
    const sites = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
      const abc = [i / n, j / n, k / n];
      sites.push({ species: [{ element: 'Fe', occu: 1 }], abc, xyz: abc.map((f) => f * a), label: 'Fe', properties: {} });
    }
    const structure = { '@module': 'pymatgen.core.structure', '@class': 'Structure', charge: 0, lattice: { matrix: [[a, 0, 0], [0, a, 0], [0, 0, a]], pbc: [true, true, true] }, sites, properties: {} };
    const content = JSON.stringify(structure, null, 1);
    const body = JSON.stringify({ structure: { content, format: 'pymatgen' }, defect_types: ['vacancy'] });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    const res = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers, body });
    expect(res.status, await res.clone().text()).toBe(202);
    // The same structure given as a batch's only item, beside shallow fields: accepted too.
    const batch = await fetch(`${api.url}/batches`, { method: 'POST', headers, body: JSON.stringify({ items: [{ structure: { content, format: 'pymatgen' } }], defaults: { defect_types: ['vacancy'], dopant_elements: ['Mg'] } }) });
    expect(batch.status, await batch.clone().text()).toBe(202);
  });
});
