import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApi, type ApiProcess } from '../support/api-process.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv } from '../support/service.ts';

// `npm start` and `npm run start:api` run this entry: with PORT=0 the system picks the port, and a
// person must be able to read it without parsing JSON logs, at any LOG_LEVEL.

let api: ApiProcess;
const prefix = uniquePrefix('api-process');

beforeAll(async () => {
  api = await spawnApi(serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { LOG_LEVEL: 'silent' } }));
});

afterAll(async () => {
  await api?.kill();
  const redis = await testRedis();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('the API entry', () => {
  it('prints the address it listens on as one plain line on stderr, even with LOG_LEVEL=silent', async () => {
    expect(api.output()).toMatch(/^api: listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(api.logs).toEqual([]);
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
