import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { strFromU8, unzipSync } from 'fflate';
import { buildArchive } from '@defect-candidates/service/archive';
import { generateJobId } from '@defect-candidates/service/queues';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { readFixture, structureFixture } from '../support/fixtures.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, type TestApi, type WorkerHandle } from '../support/service.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// Batches end to end: the API in this process, two worker processes, a local file host and a
// real webhook receiver.
const ALICE_WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const si = structureFixture('Si.vasp');
const cdte = structureFixture('CdTe.cif');
const quick = { supercell: [2], defect_types: ['vacancy'], output_formats: ['poscar'] };

let api: TestApi;
let files: TestHttpServer;
let receiver: WebhookReceiver;
let workers: WorkerHandle[] = [];
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('batches');
  const env = serviceEnv({ prefix, redisUrl: await redisUrl() });
  files = await startHttpServer({ '/CdTe.cif': respondWith(cdte) });
  receiver = await new WebhookReceiver().start();
  [api, ...workers] = await Promise.all([startTestApi(env, [webhooksPlugin(), batchesPlugin()]), spawnWorker(env), spawnWorker(env)]);
  redis = await testRedis();
});

afterAll(async () => {
  await stopWorkers(workers);
  await api?.close();
  await files?.close();
  await receiver?.stop();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

/** Polls GET /batches/:id until the batch completed. */
async function completed(id: string, as: 'alice' | 'bob' = 'alice'): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await api.call('GET', `/batches/${id}`, { as });
    if (res.status === 200 && res.body.status === 'completed') return res.body;
    if (Date.now() > deadline) throw new Error(`batch ${id} did not complete: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once `count` deliveries of `type` for `id` arrived (checked again after a pause, so extras show). */
async function received(id: string, count: number, type: string) {
  const deadline = Date.now() + 30_000;
  const matching = () => receiver.received.filter((r) => r.actionId === id && r.type === type);
  while (matching().length < count) {
    if (Date.now() > deadline) throw new Error(`${type} for ${id}: ${matching().length} of ${count} arrived`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  return matching();
}

describe('POST /batches', () => {
  it('accepts the valid items, lists the invalid ones with their field errors, runs every action and sends batch.completed once', async () => {
    const res = await api.call('POST', '/batches', {
      body: {
        defaults: quick,
        webhook_url: `${receiver.url}/batch`,
        items: [
          { structure: { content: si, format: 'poscar' } },
          { structure: { content: si }, supercell: [0] },
          { file: { url: `${files.url}/CdTe.cif`, filename: 'CdTe.cif' }, supercell: [] },
          'CdTe.cif',
          { structure: { content: si }, webhook_url: `${receiver.url}/elsewhere` },
          { structure: { content: si }, defect_types: ['vacancy', 'substitution'], dopant_elements: ['Ge'] },
          { file: { url: `${files.url}/CdTe.cif` }, structure: { content: si } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect(res.headers.get('location')).toBe(`/batches/${id}`);
    expect(res.body).toMatchObject({ status: 'running', items: 7, links: { self: `/batches/${id}`, archive: `/batches/${id}/archive.zip` } });
    expect(res.body.actions).toEqual([0, 2, 5].map((index) => ({ index, id: `${id}.${index}` })));
    const invalid = Object.fromEntries((res.body.invalid as { index: number; issues: { path: string }[] }[]).map((i) => [i.index, i.issues.map((x) => x.path)]));
    expect(invalid).toEqual({ 1: ['supercell'], 3: [''], 4: ['webhook_url'], 6: ['structure'] });

    // Each action is an ordinary action, with the defaults and its own fields resolved.
    const item5 = await api.call('GET', `/actions/${id}.5`);
    expect(item5.body).toMatchObject({ batch_id: id, status: expect.any(String), parameters: { supercell: [2], defect_types: ['vacancy', 'substitution'], dopant_elements: ['Ge'] } });
    const item2 = await api.call('GET', `/actions/${id}.2`);
    expect(item2.body).toMatchObject({ input: { kind: 'url', filename: 'CdTe.cif' }, parameters: { supercell: [], defect_types: ['vacancy'] } });

    const batch = await completed(id);
    expect(batch).toMatchObject({ id, owner: 'alice', status: 'completed', items: 7, counts: { queued: 0, 'in-progress': 0, success: 3, error: 0 }, action_webhooks: true });
    expect(batch.completed_at).toEqual(expect.any(String));
    expect(batch.actions.map((a: { index: number; status: string }) => [a.index, a.status])).toEqual([[0, 'success'], [2, 'success'], [5, 'success']]);

    // batch.completed once, signed with alice's secret, naming every action; and each action's own message.
    const [message, ...more] = await received(id, 1, 'batch.completed');
    expect(more).toEqual([]);
    expect(WebhookReceiver.signatureValid(message, ALICE_WHSEC)).toBe(true);
    const payload = JSON.parse(message.body);
    expect(payload.data).toMatchObject({ id, items: 7, counts: { success: 3, error: 0 }, invalid: [1, 3, 4, 6] });
    expect(payload.data.actions).toEqual([0, 2, 5].map((index) => ({ index, id: `${id}.${index}`, status: 'success' })));
    for (const index of [0, 2, 5]) expect((await received(`${id}.${index}`, 1, 'action.completed')).length).toBe(1);
    expect((await api.call('GET', `/batches/${id}`)).body.webhook).toMatchObject({ state: 'delivered', event: 'batch.completed' });
  });

  it('pages its actions in item order, shows it to operators and to no other client', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ structure: { content: si }, random_seed: i }));
    const res = await api.call('POST', '/batches', { body: { defaults: quick, items } });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await completed(id);
    expect((await api.call('POST', `/batches/${id}/webhook/retry`, { as: 'ops' })).body.error.code).toBe('no_webhook');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.call('GET', `/batches/${id}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.actions.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.actions.map((a: { index: number }) => a.index));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect((await api.call('GET', `/batches/${id}`, { as: 'bob' })).status).toBe(404);
    expect((await api.call('GET', `/batches/${id}/archive.zip`, { as: 'bob' })).status).toBe(404);
    expect((await api.call('GET', `/batches/${id}`, { as: 'ops' })).status).toBe(200);
    expect((await api.call('GET', `/batches/${id}?cursor=bogus`)).status).toBe(422);
    expect((await api.call('GET', '/batches/not-a-batch')).status).toBe(404);
  });

  it('archive.zip holds one folder per successful item, laid out as its action\'s own archive, and batch.json', async () => {
    const res = await api.call('POST', '/batches', {
      body: { defaults: quick, items: [{ structure: { content: si } }, { structure: { content: cdte }, supercell: [] }, { structure: { content: si }, supercell: [[1, 1, 0], [0, 0, 0], [0, 0, 1]] }] },
    });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    // Item 2's matrix is singular: the API refuses it (field check), so two actions.
    expect(res.body.invalid.map((i: { index: number }) => i.index)).toEqual([2]);
    await completed(id);
    const zip = await api.call('GET', `/batches/${id}/archive.zip`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(zip.raw));
    const manifest = JSON.parse(strFromU8(files['batch.json']));
    expect(manifest.items).toEqual([
      { index: 0, action_id: `${id}.0`, status: 'success', folder: '0_Si' },
      { index: 1, action_id: `${id}.1`, status: 'success', folder: '1_CdTe' },
    ]);
    for (const item of manifest.items) {
      const answer = (await api.call('GET', `/actions/${item.action_id}`)).body.response;
      const own = unzipSync(buildArchive(answer));
      const inFolder = Object.keys(files).filter((p) => p.startsWith(`${item.folder}/`));
      expect(inFolder.map((p) => p.slice(item.folder.length + 1)).sort()).toEqual(Object.keys(own).sort());
      for (const path of Object.keys(own)) expect(strFromU8(files[`${item.folder}/${path}`])).toBe(strFromU8(own[path]));
    }
  });

  it('atomic: one invalid item refuses the whole batch, naming it, and nothing is created', async () => {
    const before = await redis.zcard(`${prefix}:actions:index:all`);
    const res = await api.call('POST', '/batches', {
      body: { atomic: true, defaults: quick, items: [{ structure: { content: si } }, { structure: { content: si }, max_candidates: 0 }, { structure: { content: 'not a structure at all' } }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['items.1.max_candidates', 'items.2.structure.content']);
    expect(await redis.zcard(`${prefix}:actions:index:all`)).toBe(before);
  });

  it('refuses problems of the batch itself with 422, each named', async () => {
    const cases: [unknown, string][] = [
      [{ items: [] }, 'items'],
      [{ items: Array.from({ length: 1001 }, () => ({ file: { url: 'https://example.org/a.cif' } })) }, 'items'],
      [{ items: [{ structure: { content: si } }], defaults: { supercell: 'big' } }, 'defaults.supercell'],
      [{ items: [{ structure: { content: si } }], defaults: { file: { url: 'https://example.org/a.cif' } } }, 'defaults.file'],
      [{ items: [{ structure: { content: si } }], colour: 'blue' }, 'colour'],
      [{ items: [{ structure: { content: si } }], webhook_url: 'ftp://example.org/hooks' }, 'webhook_url'],
      [{ items: [{ structure: { content: si }, supercell: [0] }] }, 'items.0.supercell'],
    ];
    for (const [body, path] of cases) {
      const res = await api.call('POST', '/batches', { body });
      expect(res.status, path).toBe(422);
      expect(res.body.error.issues.map((i: { path: string }) => i.path), path).toContain(path);
    }
    const platform = await api.call('POST', '/batches', { as: 'ouro', body: { items: [{ structure: { content: si } }] }, headers: { 'ouro-action-id': 'x1' } });
    expect(platform.status).toBe(422);
    expect(platform.body.error.issues[0].path).toBe('headers.ouro-action-id');
    // A direct client sending the platform's headers: the same 403 and message as a single request gets.
    const headers = { 'ouro-action-id': 'x1', 'ouro-webhook-token': 'tok' };
    const single = await api.call('POST', '/generate-point-defect-candidates', { body: { structure: { content: si } }, headers });
    const batch = await api.call('POST', '/batches', { body: { items: [{ structure: { content: si } }] }, headers });
    expect(single.status).toBe(403);
    expect(batch.status).toBe(403);
    expect(batch.body).toEqual(single.body);
    // An empty object, or items of the wrong type: the message names `items` and what it takes.
    const empty = await api.call('POST', '/batches', { body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.error.issues).toEqual([{ path: 'items', message: expect.stringMatching(/^missing: give `items`, a list of 1 to 1000 structures/) }]);
    expect(empty.body.error.message).not.toMatch(/Invalid input|expected array/);
    const wrong = await api.call('POST', '/batches', { body: { items: 'CdTe.cif', atomic: 'yes' } });
    expect(wrong.body.error.issues).toEqual([
      { path: 'items', message: '`items` must be a list of structures (each {"structure": ...} or {"file": ...}), not a string' },
      { path: 'atomic', message: '`atomic` must be true or false, not a string' },
    ]);
    expect((await api.call('POST', '/batches', { rawBody: 'items=1', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await api.call('POST', '/batches', { as: 'nobody', body: { items: [] } })).status).toBe(401);
    // The same body reader as single requests: UTF-8 only (415), and any JSON value reaches the route (422).
    const utf16 = await api.call('POST', '/batches', { rawBody: JSON.stringify({ items: [{ structure: { content: si } }] }), headers: { 'content-type': 'application/json; charset=utf-16' } });
    expect(utf16.status).toBe(415);
    expect(utf16.body.error.code).toBe('unsupported_encoding');
    for (const raw of ['null', '"x"', '[]']) {
      const res = await api.call('POST', '/batches', { rawBody: raw, headers: { 'content-type': 'application/json' } });
      expect(res.status, raw).toBe(422);
      expect(res.body.error.issues, raw).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
    }
  });

  it('Idempotency-Key: the same body returns the same batch and queues nothing new; another body is refused', async () => {
    const body = { defaults: quick, items: [{ structure: { content: si } }, { file: { url: `${files.url}/CdTe.cif` } }] };
    const headers = { 'idempotency-key': `batch-${Date.now()}` };
    const first = await api.call('POST', '/batches', { body, headers });
    expect(first.status).toBe(202);
    await completed(first.body.id);
    const jobs = await Promise.all(first.body.actions.map((a: { id: string }) => api.ctx.queue.getJob(generateJobId(a.id))));
    const again = await api.call('POST', '/batches', { body: { items: body.items, defaults: { ...quick } }, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ id: first.body.id, actions: first.body.actions, status: 'completed' });
    const jobsAfter = await Promise.all(first.body.actions.map((a: { id: string }) => api.ctx.queue.getJob(generateJobId(a.id))));
    expect(jobsAfter.map((j) => j?.timestamp)).toEqual(jobs.map((j) => j?.timestamp));
    const other = await api.call('POST', '/batches', { body: { ...body, atomic: true }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    // A single request's key of the same name is another key.
    const single = await api.call('POST', '/generate-point-defect-candidates', { body: { structure: { content: si }, ...quick }, headers });
    expect(single.status).toBe(202);
  });

  it('action_webhooks: false sends batch.completed alone; errors are counted and named in it', async () => {
    const res = await api.call('POST', '/batches', {
      body: {
        defaults: quick,
        webhook_url: `${receiver.url}/only-batch`,
        action_webhooks: false,
        items: [{ structure: { content: si } }, { file: { url: `${files.url}/missing.cif` } }],
      },
    });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const batch = await completed(id);
    expect(batch.counts).toMatchObject({ success: 1, error: 1 });
    const [message] = await received(id, 1, 'batch.completed');
    expect(JSON.parse(message.body).data.actions).toEqual([
      { index: 0, id: `${id}.0`, status: 'success' },
      { index: 1, id: `${id}.1`, status: 'error' },
    ]);
    expect(receiver.received.filter((r) => r.actionId.startsWith(`${id}.`))).toEqual([]);
    expect((await api.call('GET', `/actions/${id}.1`)).body.error.code).toBe('download_failed');

    // Operators may send it again: refused while delivered, unless forced; same message id.
    expect((await api.call('POST', `/batches/${id}/webhook/retry`, { as: 'alice' })).status).toBe(403);
    expect((await api.call('POST', `/batches/${id}/webhook/retry`, { as: 'ops' })).body.error.code).toBe('already_delivered');
    const forced = await api.call('POST', `/batches/${id}/webhook/retry?force=true`, { as: 'ops' });
    expect(forced.status).toBe(202);
    expect(forced.body.webhook).toMatchObject({ state: 'pending', operator_retries: 1 });
    const [first, again] = await received(id, 2, 'batch.completed');
    expect(again.webhookId).toBe(first.webhookId);
    expect((await api.call('POST', '/batches/00000000-0000-4000-8000-000000000000/webhook/retry', { as: 'ops' })).status).toBe(404);
  });
  it('a batch.completed that failed for good is listed by /webhooks/failed, counted by the failed gauge and started over by retry-failed', async () => {
    // A receiver answering 500 until the test switches it to 200.
    let status = 500;
    files.route('/flaky-batch', (_req, res) => res.writeHead(status).end(status === 200 ? 'ok' : 'down'));
    const failedGauge = async () => Number(/^defect_webhook_deliveries_failed (\d+)$/m.exec((await api.call('GET', '/metrics')).raw.toString('utf8'))?.[1]);
    const before = await failedGauge();
    const res = await api.call('POST', '/batches', { body: { defaults: quick, webhook_url: `${files.url}/flaky-batch?token=s3cret`, action_webhooks: false, items: [{ structure: { content: si } }] } });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await completed(id);
    const deadline = Date.now() + 30_000;
    while ((await api.call('GET', `/batches/${id}`)).body.webhook?.state !== 'failed') {
      if (Date.now() > deadline) throw new Error('batch.completed did not fail');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Four attempts (WEBHOOK_RETRY_DELAYS_MS has four delays), each answered 500.
    expect(files.requests.filter((r) => r.path === '/flaky-batch').map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'POST']);

    const listed = (await api.call('GET', '/webhooks/failed', { as: 'ops' })).body.deliveries.find((d: { batch_id: string | null }) => d.batch_id === id);
    expect(listed).toMatchObject({ batch_id: id, action_id: null, event: 'batch.completed', owner: 'alice', kind: 'direct', attempts: 4, last_attempt: { status: 500 } });
    // The target without its query string: tokens there are not shown.
    expect(listed.target).toBe(`${files.url}/flaky-batch`);
    expect((await api.call('GET', '/webhooks/failed', { as: 'alice' })).body.deliveries.map((d: { batch_id: string | null }) => d.batch_id)).toContain(id);
    expect((await api.call('GET', '/webhooks/failed', { as: 'bob' })).body.deliveries.map((d: { batch_id: string | null }) => d.batch_id)).not.toContain(id);
    expect(await failedGauge()).toBe(before + 1);

    status = 200;
    const retried = await api.call('POST', '/webhooks/retry-failed?max_age_seconds=3600', { as: 'ops' });
    expect(retried.status).toBe(202);
    expect(retried.body.retried_batches).toEqual([id]);
    while ((await api.call('GET', `/batches/${id}`)).body.webhook?.state !== 'delivered') {
      if (Date.now() > deadline + 30_000) throw new Error('batch.completed was not delivered after retry-failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivered = (await api.call('GET', `/batches/${id}`)).body.webhook;
    expect(delivered).toMatchObject({ state: 'delivered', operator_retries: 1 });
    expect(delivered.attempts.at(-1).status).toBe(200);
    expect(files.requests.filter((r) => r.path === '/flaky-batch')).toHaveLength(5);
    expect((await api.call('GET', '/webhooks/failed', { as: 'ops' })).body.deliveries.map((d: { batch_id: string | null }) => d.batch_id)).not.toContain(id);
    expect(await failedGauge()).toBe(before);
  });
});

describe('OpenAPI', () => {
  it('documents the batch endpoints, every field of the body, an item and the defaults', async () => {
    const doc = (await api.call('GET', '/openapi.json', { as: 'nobody' })).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/batches', '/batches/{id}', '/batches/{id}/archive.zip', '/batches/{id}/webhook/retry']));
    const op = doc.paths['/batches'].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['202', '422']));
    const body = op.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties).sort()).toEqual(['action_webhooks', 'atomic', 'defaults', 'items', 'webhook_url']);
    const item = body.properties.items.items;
    expect(Object.keys(item.properties)).toEqual(expect.arrayContaining(['file', 'structure', 'supercell', 'defect_types', 'dopant_elements']));
    expect(item.properties.webhook_url).toBeUndefined();
    expect(body.properties.items.maxItems).toBe(1000);
    const undocumented: string[] = [];
    const walk = (schema: Record<string, any>, path: string) => {
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, any>)) {
        if (!prop.title || !prop.description) undocumented.push(`${path}${name}`);
        walk(prop, `${path}${name}.`);
      }
    };
    walk(body, '');
    walk(item, 'items[].');
    walk(doc.paths['/batches/{id}'].get.responses['200'].content['application/json'].schema, 'batch.');
    expect(undocumented).toEqual([]);
  });
});

describe('inline structures in large batches', () => {
  it('refuses an unreadable one at submission, and checks a thousand without making other clients\' checks wait past their time', async () => {
    // A thousand distinct structures (Si with its lattice stretched a little more each time), so
    // that no verdict comes from the checker's memory: each is read and analysed in a thread.
    const stretched = (i: number) => si.replace(/^(\s*)([\d.]+)(\s*)$/m, (_m, a: string, scale: string, b: string) => `${a}${(Number(scale) * (1 + i / 100_000)).toFixed(8)}${b}`);
    expect(stretched(1)).not.toBe(si);
    const items = (from: number) => Array.from({ length: 500 }, (_, i) => (i === 3 ? { structure: { content: readFixture('bad/not-a-structure.txt') } } : { structure: { content: stretched(from + i) } }));
    // Two batches at once, each checking its items one at a time (a batch that handed the check
    // threads all its items at once would queue the other client's check behind a thousand).
    const batches = [api.call('POST', '/batches', { body: { defaults: quick, items: items(0) } }), api.call('POST', '/batches', { as: 'bob', body: { defaults: quick, items: items(500) } })];
    // Meanwhile another client's unreadable structure is still refused at submission: it was checked in time.
    await new Promise((r) => setTimeout(r, 200));
    const other = await api.call('POST', '/generate-point-defect-candidates', { as: 'ops', body: { structure: { content: 'no structure here' }, ...quick } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('invalid_structure');
    for (const res of await Promise.all(batches)) {
      expect(res.status).toBe(202);
      // Item 3 was checked (a batch checks in item order, well within its budget) and refused.
      expect(res.body.invalid).toEqual([{ index: 3, issues: [{ path: 'structure.content', message: expect.any(String) }] }]);
      expect(res.body.actions).toHaveLength(499);
    }
  });
});
