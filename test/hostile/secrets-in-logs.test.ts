import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { SECRETS, serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { waitForAll } from '../support/bulk-actions.ts';

// Every secret the service holds or is handed (API keys, the platform's service secret, webhook
// tokens, whsec_ signing secrets, the platform API key and the session token it is exchanged for,
// a token in a webhook URL's query string) is used on the paths that log the most: successes,
// refusals, retries, failed deliveries, operator retries and an internal error. Then the API's and
// the worker's pino output, at debug level, is scanned for each of them.

const GENERATE = '/generate-point-defect-candidates';
const si = structureFixture('Si.vasp');

const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PLATFORM_TOKEN = 'ouro-webhook-token-s3cret-41';
const PLATFORM_TOKEN_REFUSED = 'ouro-webhook-token-s3cret-42';
const OURO_API_KEY = 'ouro-api-key-s3cret-43';
const SESSION_TOKEN = 'platform-session-token-s3cret-44';
const HOOK_QUERY_TOKEN = 'hook-query-token-s3cret-45';

const SECRET_VALUES: [string, string][] = [
  ['alice API key', SECRETS.alice],
  ['bob API key', SECRETS.bob],
  ['operator API key', SECRETS.ops],
  ['OURO_SERVICE_SECRET', SECRETS.ouro],
  ['alice whsec_ secret', ALICE_WHSEC],
  ['alice whsec_ key material', ALICE_WHSEC.slice('whsec_'.length)],
  ['ouro-webhook-token (delivered)', PLATFORM_TOKEN],
  ['ouro-webhook-token (refused)', PLATFORM_TOKEN_REFUSED],
  ['OURO_API_KEY', OURO_API_KEY],
  ['platform session token', SESSION_TOKEN],
  ['token in a webhook URL query string', HOOK_QUERY_TOKEN],
];

let prefix: string;
let redis: Redis;
let api: TestApi;
let platform: TestHttpServer;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('hostile-secrets');
  redis = await testRedis();
  let hookCalls = 0;
  platform = await startHttpServer({
    '/users/get-token': (_req, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: SESSION_TOKEN, refresh_token: 'r' }));
    },
    '/webhooks/ok': (req, res: ServerResponse) => {
      res.statusCode = req.headers['ouro-webhook-token'] === PLATFORM_TOKEN ? 200 : 401;
      res.end();
    },
    '/webhooks/refuse': (_req, res: ServerResponse) => {
      res.statusCode = 401;
      res.end(`bad token`);
    },
    '/hook': (_req, res: ServerResponse) => {
      hookCalls += 1;
      res.statusCode = hookCalls <= 2 ? 500 : 200;
      res.end(hookCalls <= 2 ? 'try again' : 'ok');
    },
  });
  const env = serviceEnv({
    prefix,
    redisUrl: await redisUrl(),
    extra: { LOG_LEVEL: 'debug', OURO_API_KEY, OURO_BACKEND_URL: platform.url, WEBHOOK_RETRY_DELAYS_MS: '0,100,100,100' },
  });
  api = await startTestApi(env, [webhooksPlugin(), batchesPlugin()]);
  workers.push(await spawnWorker(env));
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await platform?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

describe('secrets in the logs', () => {
  it('none of them appears in the API or worker output', { timeout: 90_000 }, async () => {
    for (const id of ['secrets-delivered', 'secrets-refused']) platform.route(`/actions/${id}/log`, (_req, res: ServerResponse) => res.end('{}'));
    const body = { structure: { content: si }, defect_types: ['vacancy'] };

    // A direct webhook that fails twice (with a token in its query string), and two platform actions: one delivered, one refused.
    const direct = await api.call('POST', GENERATE, { as: 'alice', body: { ...body, webhook_url: `${platform.url}/hook?token=${HOOK_QUERY_TOKEN}` } });
    const delivered = await api.call('POST', GENERATE, {
      as: 'ouro',
      body,
      headers: { 'ouro-action-id': 'secrets-delivered', 'ouro-webhook-url': `${platform.url}/webhooks/ok`, 'ouro-webhook-token': PLATFORM_TOKEN, 'ouro-route-id': 'r1' },
    });
    const refused = await api.call('POST', GENERATE, {
      as: 'ouro',
      body,
      headers: { 'ouro-action-id': 'secrets-refused', 'ouro-webhook-url': `${platform.url}/webhooks/refuse`, 'ouro-webhook-token': PLATFORM_TOKEN_REFUSED },
    });
    for (const r of [direct, delivered, refused]) expect(r.status).toBe(202);
    const ids = [direct.body.id, 'secrets-delivered', 'secrets-refused'];

    // Refused credentials, including near-misses that contain a real secret.
    for (const authorization of [`Bearer ${SECRETS.alice}x`, `Bearer x${SECRETS.bob}`, `Basic ${SECRETS.ouro}-`, `Bearer ${SECRETS.ops} ${SECRETS.alice}`, `Token ${SECRETS.alice}`, SECRETS.ouro]) {
      const res = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(401);
    }
    // A client trying platform headers (403), and requests that end in 4xx or 5xx with a valid key.
    expect((await api.call('POST', GENERATE, { as: 'bob', body, headers: { 'ouro-action-id': 'x1', 'ouro-webhook-token': PLATFORM_TOKEN } })).status).toBe(403);
    expect((await api.call('POST', GENERATE, { as: 'alice', body: { structure: { content: 'not a structure' }, webhook_url: `${platform.url}/hook?token=${HOOK_QUERY_TOKEN}` } })).status).toBe(422);
    await api.call('POST', GENERATE, { as: 'alice', body: { structure: { content: `{"lattice": [[1,0,0],[0,1,0],${'['.repeat(50_000)}${']'.repeat(50_000)}], "species": ["Fe"], "frac_coords": [[0,0,0]]}` } } });

    const settled = await waitForAll(redis, prefix, ids, { timeoutMs: 30_000, done: (s) => s?.webhookState === 'delivered' || s?.webhookState === 'failed' });
    expect(ids.map((id) => settled.get(id)?.webhookState)).toEqual(['delivered', 'delivered', 'failed']);
    // An operator retries the refused delivery (it fails again).
    expect((await api.call('POST', '/actions/secrets-refused/webhook/retry?force=true', { as: 'ops' })).status).toBeLessThan(300);
    await waitForAll(redis, prefix, ['secrets-refused'], { timeoutMs: 15_000, done: (s) => (s?.webhookAttempts ?? 0) >= 2 && s?.webhookState === 'failed' });
    await new Promise((r) => setTimeout(r, 300));

    const worker = workers[0];
    const apiText = api.logs.map((l) => JSON.stringify(l)).join('\n');
    const workerText = worker.logs.map((l) => JSON.stringify(l)).join('\n') + worker.stderr.join('');
    // The scan has something to scan: the paths above did log.
    expect(api.logs.filter((l) => l.msg === 'request completed').length).toBeGreaterThan(10);
    for (const msg of ['generation succeeded', 'webhook delivered', 'webhook attempt failed; will retry', 'webhook delivery failed for good']) {
      expect(worker.logs.some((l) => l.msg === msg), `worker logged "${msg}"`).toBe(true);
    }
    // The platform really received the secrets, so they were in the processes' hands.
    expect(platform.requests.some((r) => r.headers['ouro-webhook-token'] === PLATFORM_TOKEN)).toBe(true);
    expect(platform.requests.some((r) => r.path.startsWith('/actions/secrets-') && r.headers.authorization === SESSION_TOKEN)).toBe(true);

    const found = SECRET_VALUES.flatMap(([name, value]) => [
      ...(apiText.includes(value) ? [`${name} in the API log`] : []),
      ...(workerText.includes(value) ? [`${name} in the worker log`] : []),
    ]);
    expect(found).toEqual([]);
  });
});

describe('secrets in the answers', () => {
  it('a webhook_url query string is used whole for delivery but shown back with its values masked, on actions and batches', { timeout: 60_000 }, async () => {
    const hook = `${platform.url}/hook?token=${HOOK_QUERY_TOKEN}&x=1`;
    const body = { structure: { content: si }, defect_types: ['vacancy'], webhook_url: hook };
    const direct = await api.call('POST', GENERATE, { as: 'alice', body });
    expect(direct.status).toBe(202);
    const batch = await api.call('POST', '/batches', { as: 'alice', body: { items: [{ structure: { content: si } }], defaults: { defect_types: ['vacancy'] }, webhook_url: hook } });
    expect(batch.status).toBe(202);
    await waitForAll(redis, prefix, [direct.body.id, `${batch.body.id}.0`], { timeoutMs: 30_000, done: (s) => s?.webhookState === 'delivered' });
    // The receiver got the token: the query string is part of the address deliveries go to.
    expect(platform.requests.filter((r) => r.path === '/hook' && r.headers['webhook-id']).length).toBeGreaterThanOrEqual(2);

    const answers = [
      await api.call('GET', `/actions/${direct.body.id}`, { as: 'alice' }),
      await api.call('GET', '/actions?limit=100', { as: 'alice' }),
      await api.call('GET', `/batches/${batch.body.id}`, { as: 'alice' }),
      await api.call('GET', `/actions/${batch.body.id}.0`, { as: 'ops' }),
      await api.call('GET', '/webhooks/failed', { as: 'ops' }),
    ];
    for (const a of answers) expect(a.status).toBe(200);
    expect(answers[0].body.webhook_url).toBe(`${platform.url}/hook?token=***&x=***`);
    expect(answers[2].body.webhook_url).toBe(`${platform.url}/hook?token=***&x=***`);
    expect(answers[0].body.webhook.target).toBe(`${platform.url}/hook`);
    const leaked = answers.filter((a) => a.raw.toString('utf8').includes(HOOK_QUERY_TOKEN)).map((a) => a.raw.toString('utf8').slice(0, 200));
    expect(leaked).toEqual([]);
  });
});
