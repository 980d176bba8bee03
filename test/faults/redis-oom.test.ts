import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { structureFixture } from '../support/fixtures.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';
import { serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// A full Redis (maxmemory reached, noeviction) refuses writes with "OOM command not allowed"
// while it still answers PING and reads. Under load that gave 500 on half the submissions
// (issue 15): it must be 503 with Retry-After, and /readyz must say why.
const GENERATE = '/generate-point-defect-candidates';
const body = (seed: number) => ({ structure: { content: structureFixture('CdTe.cif') }, random_seed: seed });

let server: PrivateRedis;
let admin: Redis;
let api: TestApi;

beforeAll(async () => {
  server = await startPrivateRedis();
  admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  api = await startTestApi(serviceEnv({ prefix: 'oom', redisUrl: server.url, extra: { LOG_LEVEL: 'silent' } }));
  await api.ctx.hostChecker.warm();
}, 60_000);

afterAll(async () => {
  await api?.close();
  admin?.disconnect();
  await server?.destroy();
});

/**
 * Fills Redis with 2 MB of data, then sets maxmemory well below what is used: every write is
 * refused with OOM from then on (with a limit just above usage, freeing a failed command's own
 * buffers would let a few writes through again, and the test would depend on luck).
 */
async function fillRedis(): Promise<void> {
  for (let i = 0; i < 32; i++) await admin.set(`filler:${i}`, 'x'.repeat(64 * 1024));
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
  await expect(admin.set('one-more', 'x')).rejects.toThrow(/OOM command not allowed/);
}

describe('Redis out of memory', () => {
  it('submissions get 503 with Retry-After (never 500), /readyz says why, reads still work; all recover when memory is freed', { timeout: 60_000 }, async () => {
    const before = await api.call('POST', GENERATE, { body: body(0) });
    expect(before.status).toBe(202);
    expect((await api.call('GET', '/readyz', { as: 'nobody' })).status).toBe(200);

    await fillRedis();
    // 150 submissions at once, as the load test sent them.
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => api.call('POST', GENERATE, { body: body(i + 1), headers: i % 2 ? { 'idempotency-key': `oom-${i}` } : {} })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 503), JSON.stringify(answers.find((a) => a.status !== 503)?.body)).toEqual([]);
    for (const a of answers) {
      expect(a.body.error.code).toBe('unavailable');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const ready = await api.call('GET', '/readyz', { as: 'nobody' });
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('redis_out_of_memory');
    expect(ready.body.error.message).toMatch(/full|maxmemory/);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    // Reading an action needs no memory.
    expect((await api.call('GET', `/actions/${before.body.id}`)).status).toBe(200);

    await admin.config('SET', 'maxmemory', '0');
    expect((await api.call('GET', '/readyz', { as: 'nobody' })).status).toBe(200);
    expect((await api.call('POST', GENERATE, { body: body(1000) })).status).toBe(202);
  });
});
