import { unzipSync, strFromU8 } from 'fflate';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '@defect-candidates/service/webhooks/signature';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { waitFor } from './support.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction, type TestApi, type WorkerHandle } from '../support/service.ts';

// Alice's signing secret in the shared test keys (the Standard Webhooks test-vector key).
const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PLATFORM_TOKEN = 'ouro-token-for-this-action';
const PUBLIC_URL = 'https://defects.example.org';

let prefix: string;
let redis: Redis;
let platform: TestHttpServer;
let api: TestApi;
let worker: WorkerHandle;
const platformLogs: { action: string; message: string; level: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('webhooks-e2e');
  redis = await testRedis();
  platform = await startHttpServer({
    '/users/get-token': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'platform-session', refresh_token: 'r' }));
    },
    '/webhooks/actions': (req, res) => {
      res.statusCode = req.headers['ouro-webhook-token'] === PLATFORM_TOKEN ? 200 : 401;
      res.end();
    },
    '/client/hook': (_req, res) => {
      res.end('thanks');
    },
  });
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { OURO_API_KEY: 'ouro-pat', OURO_BACKEND_URL: platform.url, PUBLIC_URL: PUBLIC_URL } });
  api = await startTestApi(env, [webhooksPlugin()]);
  worker = await spawnWorker(env);
});

afterAll(async () => {
  await stopWorkers(worker ? [worker] : []);
  await api?.close();
  await platform?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

function collectPlatformLogs(): void {
  platformLogs.length = 0;
  for (const r of platform.requests) {
    const m = /^\/actions\/([^/]+)\/log$/.exec(r.path);
    if (!m) continue;
    const body = JSON.parse(r.body.toString('utf8'));
    platformLogs.push({ action: decodeURIComponent(m[1]), message: body.message, level: body.level, authorization: r.headers.authorization });
  }
}

describe('webhooks from a running worker process', () => {
  it('completes a platform action: progress logs while it runs, then the completion with the archive', async () => {
    const actionId = `ouro-e2e-${Date.now()}`;
    platform.route(`/actions/${actionId}/log`, (req, res) => {
      res.statusCode = req.headers.authorization === 'platform-session' ? 200 : 401;
      res.end('{}');
    });
    const submitted = await api.call('POST', '/generate-point-defect-candidates', {
      as: 'ouro',
      headers: {
        'ouro-action-id': actionId,
        'ouro-webhook-url': `${platform.url}/webhooks/actions`,
        'ouro-webhook-token': PLATFORM_TOKEN,
        'ouro-route-id': 'route-e2e',
        'ouro-route-org-id': 'org-e2e',
        'ouro-route-team-id': 'team-e2e',
      },
      body: { structure: { content: structureFixture('CdTe.cif'), format: 'cif' }, defect_types: ['vacancy', 'substitution'], output_formats: ['poscar', 'vasp'] },
    });
    expect(submitted.status).toBe(202);
    const completion = await platform.waitForRequest('/webhooks/actions', 30_000);
    const body = JSON.parse(completion.body.toString('utf8'));
    expect(body).toMatchObject({ status: 'completed', ouro_action_id: actionId, ouro_route_id: 'route-e2e' });
    expect(body.response.file).toMatchObject({ filename: 'CdTe_defect_candidates.zip', org_id: 'org-e2e', team_id: 'team-e2e' });
    // The result page's link, signed by the worker (no VIEW_LINK_SECRET: the key both share through Redis), opens on the API.
    const view = new URL(body.response.links.view);
    expect(`${view.origin}${view.pathname}`).toBe(`${PUBLIC_URL}/view/${actionId}`);
    const page = await fetch(`${api.url}${view.pathname}${view.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    // The receiver answered; the worker records the delivery right after.
    const action = await waitFor('the delivery to be recorded', async () => {
      const a = await waitForAction(api, actionId, { as: 'ouro' });
      return a.webhook?.state === 'delivered' ? a : null;
    });
    expect(action.webhook).toMatchObject({ kind: 'platform', attempts: [{ status: 200 }] });
    const zip = unzipSync(Buffer.from(body.response.file.base64, 'base64'));
    for (const candidate of action.response.candidates) {
      expect(strFromU8(zip[`${candidate.name}/POSCAR`])).toBe(candidate.structures.poscar);
    }
    // The bulk and the VASP folders, as asked for; the completion's summary carries the entries but no structure text.
    expect(strFromU8(zip['bulk/POSCAR'])).toBe(action.response.bulk.structures.poscar);
    for (const e of action.response.entries) expect(Object.keys(zip)).toContain(`${e.name}/INCAR`);
    expect(strFromU8(zip['v_Cd_-2/INCAR'])).toMatch(/^NELECT = 476 /m);
    expect(body.response.entries).toEqual(action.response.entries);
    expect(body.response.bulk).toEqual({ formula: 'Cd27Te27', n_atoms: 54 });

    // The last progress line is posted after the end is recorded, independently of the webhook.
    await waitFor('the final progress log', async () => {
      collectPlatformLogs();
      return platformLogs.some((l) => l.action === actionId && l.message.startsWith('Finished'));
    });
    const mine = platformLogs.filter((l) => l.action === actionId);
    expect(mine[0]?.message).toBe('started (0%)');
    expect(mine.at(-1)).toMatchObject({ message: `Finished: ${action.response.candidates.length} candidates`, level: 'info' });
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.every((l) => l.authorization === 'platform-session')).toBe(true);
  });

  it('signs a direct client webhook with the key\'s whsec_ secret', async () => {
    const submitted = await api.call('POST', '/generate-point-defect-candidates', {
      as: 'alice',
      body: { structure: { content: structureFixture('Si.vasp') }, defect_types: ['vacancy'], webhook_url: `${platform.url}/client/hook` },
    });
    expect(submitted.status).toBe(202);
    const hook = await platform.waitForRequest('/client/hook', 30_000);
    const text = hook.body.toString('utf8');
    const headers = { id: String(hook.headers['webhook-id']), timestamp: String(hook.headers['webhook-timestamp']), signature: String(hook.headers['webhook-signature']) };
    expect(verifyWebhook(ALICE_WHSEC, headers, text)).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ type: 'action.completed', data: { id: submitted.body.id, status: 'success' } });
    // Direct clients get no platform progress logs.
    collectPlatformLogs();
    expect(platformLogs.some((l) => l.action === submitted.body.id)).toBe(false);
  });
});
