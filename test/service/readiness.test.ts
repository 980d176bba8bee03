import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HostChecker } from '../../apps/api/src/host-check.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { structureFixture } from '../support/fixtures.ts';
import { serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// Cold start (issue 15): the first inline submission after `npm start` took 1.18 s because the
// check threads loaded the core and moyo on first use. The API warms them at start and answers
// /readyz 503 until they are warm, so a load balancer sends it traffic only once the first answer
// is as fast as the rest.
let prefix: string;
let redis: Redis;
let api: TestApi;
let warmedByApi: () => void;

beforeAll(async () => {
  prefix = uniquePrefix('readiness');
  redis = await testRedis();
  // Hold the API's warm-up until the test lets it run.
  const realWarm = HostChecker.prototype.warm;
  const gate = new Promise<void>((resolve) => (warmedByApi = resolve));
  vi.spyOn(HostChecker.prototype, 'warm').mockImplementation(function (this: HostChecker) {
    return gate.then(() => realWarm.call(this));
  });
  api = await startTestApi(serviceEnv({ prefix, redisUrl: await redisUrl() }));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await api?.close();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

describe('readiness during a cold start', () => {
  it('/readyz is 503 warming_up until every check thread has checked a structure, then 200', { timeout: 60_000 }, async () => {
    expect(HostChecker.prototype.warm).toHaveBeenCalledTimes(1);
    const cold = await api.call('GET', '/readyz', { as: 'nobody' });
    expect(cold.status).toBe(503);
    expect(cold.body.error.code).toBe('warming_up');
    expect(cold.headers.get('retry-after')).toBeTruthy();
    // Liveness is not readiness.
    expect((await api.call('GET', '/healthz', { as: 'nobody' })).status).toBe(200);

    warmedByApi();
    const deadline = Date.now() + 50_000;
    let ready = cold;
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await api.call('GET', '/readyz', { as: 'nobody' });
    }
    expect(ready.status).toBe(200);
    expect(api.ctx.hostChecker.isWarm).toBe(true);
    expect(api.logs.some((l) => l.msg === 'check threads warm')).toBe(true);
    // The main thread's own first-request work (request checks, the view-link key, the queues) is done too.
    expect(api.logs.some((l) => l.msg === 'main thread warm')).toBe(true);
    expect((await api.call('POST', '/generate-point-defect-candidates', { body: { structure: { content: structureFixture('CdTe.cif') } } })).status).toBe(202);
  });
});
