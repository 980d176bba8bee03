import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnApi, type ApiProcess } from '../support/api-process.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { SECRETS, serviceEnv } from '../support/service.ts';

// Inputs whose checking at submission could block the API's event loop. The API runs as its own
// process here, and every request has a hard time bound: these bounds are hang detectors (the
// normal answers take milliseconds), not speed targets.

const GENERATE = '/generate-point-defect-candidates';
const HANG_GUARD_MS = 10_000;

/** n×n×m iron atoms on a 2.5 Å simple-cubic grid: a valid structure with many pure translations. */
function ironGrid(n: number, m = n): string {
  const lines = ['iron grid', '1.0', `${2.5 * n} 0 0`, `0 ${2.5 * n} 0`, `0 0 ${2.5 * m}`, 'Fe', String(n * n * m), 'Direct'];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) lines.push(`${i / n} ${j / n} ${k / m}`);
  return lines.join('\n');
}

let prefix: string;
let redis: Redis;
let api: ApiProcess | null = null;

beforeAll(async () => {
  prefix = uniquePrefix('hostile-blocking');
  redis = await testRedis();
});

// A fresh API process per test, so one that is stuck on the previous input cannot fail the next.
beforeEach(async () => {
  api = await spawnApi(serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { MAX_ATOMS: '1000', MAX_INPUT_ATOMS: '1000', LOG_LEVEL: 'info' } }));
});

afterEach(async () => {
  await api?.kill();
  api = null;
});

afterAll(async () => {
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HANG_GUARD_MS),
  });
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

describe('submissions the API must not spend minutes on', () => {
  it('a host of 1,210 atoms, above MAX_INPUT_ATOMS, is refused with 422 (invalid_structure) without analysing it', { timeout: 30_000 }, async () => {
    const res = await call('POST', GENERATE, { structure: { content: ironGrid(11, 10), format: 'poscar' }, supercell: [], defect_types: ['vacancy'] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_structure');
    expect(res.body.error.message).toMatch(/the input cell has 1210 atoms, more than the limit of 1000 atoms per input cell/);
  });

  it('while a large legal host (512 atoms) is being checked, the API keeps answering other requests', { timeout: 60_000 }, async () => {
    const pending = call('POST', GENERATE, { structure: { content: ironGrid(8), format: 'poscar' }, supercell: [1], defect_types: ['vacancy'] }).catch((err: Error) => ({ status: 0, body: err.message }));
    await new Promise((r) => setTimeout(r, 300));
    const health = await call('GET', '/healthz').catch((err: Error) => ({ status: 0, body: `no answer within ${HANG_GUARD_MS} ms (${err.message})` }));
    expect(health, 'the API stopped answering while it checked one submission').toEqual({ status: 200, body: { status: 'ok' } });
    const submitted = await pending;
    expect([202, 422], JSON.stringify(submitted).slice(0, 300)).toContain(submitted.status);
  });
});
