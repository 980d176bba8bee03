import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { generateJobId } from '@defect-candidates/service/queues';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { readFixture, structureFixture } from '../support/fixtures.ts';
import { SECRETS, serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// The API alone (no workers): what it accepts, refuses, remembers and shows to whom.
const GENERATE = '/generate-point-defect-candidates';
const cdte = structureFixture('CdTe.cif');
const inline = (extra: Record<string, unknown> = {}) => ({ structure: { content: cdte, format: 'cif' }, ...extra });

let api: TestApi;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('api');
  api = await startTestApi(serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { BODY_LIMIT: '64kb' } }));
  redis = await testRedis();
});

afterAll(async () => {
  await api?.close();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

describe('authentication', () => {
  it('refuses a request without credentials with a JSON 401', async () => {
    const res = await api.call('POST', GENERATE, { as: 'nobody', body: inline() });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('refuses a wrong key, a wrong platform secret and an unknown scheme', async () => {
    for (const authorization of ['Bearer not-a-key', `Basic ${SECRETS.alice}`, `Bearer ${SECRETS.ouro}`, `Token ${SECRETS.alice}`, 'Bearer']) {
      const res = await api.call('GET', '/actions', { as: 'nobody', headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('accepts the platform with Basic and the raw service secret', async () => {
    const res = await api.call('GET', '/actions', { as: 'ouro' });
    expect(res.status).toBe(200);
  });
});

describe('submission', () => {
  it('answers 202 at once with the id, status, creation time and links', async () => {
    const res = await api.call('POST', GENERATE, { body: inline() });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'queued',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      links: {
        self: `/actions/${res.body.id}`,
        archive: `/actions/${res.body.id}/archive.zip`,
        view: expect.stringMatching(new RegExp(`^/view/${res.body.id}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`)),
      },
    });
    expect(res.headers.get('location')).toBe(`/actions/${res.body.id}`);
    const job = await api.ctx.queue.getJob(generateJobId(res.body.id));
    expect(job?.data).toEqual({ action_id: res.body.id });
    const got = await api.call('GET', `/actions/${res.body.id}`);
    expect(got.body).toMatchObject({ id: res.body.id, status: 'queued', owner: 'alice', input: { kind: 'inline', format: 'cif' }, started_at: null });
    // Defaults resolved by the core's schema (issue 3's table).
    expect(got.body.parameters).toMatchObject({ supercell: [], random_seed: 0, defect_types: [], max_candidates: 24, dedupe_symmetry: true, max_candidates_per_type: 8 });
  });

  it('accepts a structure by URL without fetching it', async () => {
    const res = await api.call('POST', GENERATE, { body: { file: { url: 'https://example.org/CdTe.cif', filename: 'CdTe.cif', type: 'chemical/x-cif', org_id: 'o1' } } });
    expect(res.status).toBe(202);
    const got = await api.call('GET', `/actions/${res.body.id}`);
    expect(got.body.input).toEqual({ kind: 'url', url: 'https://example.org/CdTe.cif', filename: 'CdTe.cif', type: 'chemical/x-cif', org_id: 'o1' });
  });
});

describe('validation', () => {
  const issuesOf = (res: { body: { error: { issues?: { path: string }[] } } }) => (res.body.error.issues ?? []).map((i) => i.path);

  it('415 for a body that is not JSON, 400 for malformed JSON, 422 for a JSON array', async () => {
    const text = await api.call('POST', GENERATE, { rawBody: 'supercell=2', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const broken = await api.call('POST', GENERATE, { rawBody: '{"structure": ', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const array = await api.call('POST', GENERATE, { body: [inline()] });
    expect(array.status).toBe(422);
  });

  it('415 for a charset other than UTF-8, whatever the bytes (issue 15)', async () => {
    const body = JSON.stringify(inline());
    for (const [charset, bytes] of [['utf-16', Buffer.from(`\ufeff${body}`, 'utf16le')], ['utf-16le', Buffer.from(body, 'utf16le')], ['UTF-32', Buffer.from(body)], ['latin1', Buffer.from(body, 'latin1')]] as const) {
      const res = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': `application/json; charset=${charset}` }, body: bytes });
      expect(res.status, charset).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code, charset).toBe('unsupported_encoding');
    }
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
      const res = await api.call('POST', GENERATE, { rawBody: JSON.stringify(inline()), headers: { 'content-type': `application/json; charset=${charset}` } });
      expect(res.status, charset).toBe(202);
    }
  });

  it('422 (not 400) for a JSON body that is null, a string, a number or a boolean (issue 15)', async () => {
    for (const raw of ['null', ' null ', '"x"', '12', 'true']) {
      const res = await api.call('POST', GENERATE, { rawBody: raw, headers: { 'content-type': 'application/json' } });
      expect(res.status, raw).toBe(422);
      expect(res.body.error.code, raw).toBe('invalid_request');
      expect(res.body.error.issues, raw).toEqual([{ path: '', message: 'the body must be a JSON object' }]);
    }
  });

  it('422 when the structure is missing, or given twice', async () => {
    const none = await api.call('POST', GENERATE, { body: { max_candidates: 5 } });
    expect(none.status).toBe(422);
    expect(issuesOf(none)).toEqual(['file']);
    const both = await api.call('POST', GENERATE, { body: { ...inline(), file: { url: 'https://example.org/a.cif' } } });
    expect(both.status).toBe(422);
    expect(issuesOf(both)).toEqual(['structure']);
  });

  it('lists every invalid field at once', async () => {
    const res = await api.call('POST', GENERATE, {
      body: { file: { url: 'ftp://example.org/a.cif' }, max_candidates: 0, dopant_elements: ['Xx'], colour: 'blue', webhook_url: 'not a url' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_request');
    const paths = issuesOf(res);
    expect(paths).toEqual(expect.arrayContaining(['file.url', 'webhook_url', 'max_candidates']));
    expect(paths.some((p: string) => p.startsWith('dopant_elements'))).toBe(true);
    expect(res.body.error.issues.some((i: { path: string; message: string }) => i.message.includes('colour') || i.path === 'colour')).toBe(true);
    expect(paths.length).toBeGreaterThanOrEqual(5);
  });

  it('takes interstitial_cluster_tolerance from 0 to 2 Å and names the field and value outside it', async () => {
    const bad = await api.call('POST', GENERATE, { body: inline({ interstitial_cluster_tolerance: 2.5 }) });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues).toEqual([{ path: 'interstitial_cluster_tolerance', message: expect.stringMatching(/number from 0 to 2 \(Å\) \(got 2\.5\)/) }]);
    const good = await api.call('POST', GENERATE, { body: inline({ interstitial_cluster_tolerance: 1.2 }) });
    expect(good.status).toBe(202);
    expect((await api.call('GET', `/actions/${good.body.id}`)).body.parameters.interstitial_cluster_tolerance).toBe(1.2);
    const plain = await api.call('POST', GENERATE, { body: inline() });
    expect((await api.call('GET', `/actions/${plain.body.id}`)).body.parameters.interstitial_cluster_tolerance).toBe(0.8);
  });

  it('422 for an output format it does not know, listing the ones it does; vasp and report are two', async () => {
    const res = await api.call('POST', GENERATE, { body: inline({ output_formats: ['poscar', 'castep'] }) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_request');
    const issue = res.body.error.issues.find((i: { path: string }) => i.path === 'output_formats');
    expect(issue.message).toMatch(/from poscar, cif, pymatgen, extxyz, vasp, report .*castep/);
    const vasp = await api.call('POST', GENERATE, { body: inline({ output_formats: ['vasp'], vasp_settings: { functional: 'hse06', reciprocal_density: 100 } }) });
    expect(vasp.status).toBe(202);
    const got = await api.call('GET', `/actions/${vasp.body.id}`);
    expect(got.body.parameters).toMatchObject({ output_formats: ['vasp'], vasp_settings: { functional: 'hse06', reciprocal_density: 100 } });
    const badSettings = await api.call('POST', GENERATE, { body: inline({ output_formats: ['vasp'], vasp_settings: { functional: 'lda' } }) });
    expect(badSettings.status).toBe(422);
    expect(issuesOf(badSettings)).toEqual(['vasp_settings.functional']);
    const unknownSetting = await api.call('POST', GENERATE, { body: inline({ output_formats: ['vasp'], vasp_settings: { kpoints: 'gamma' } }) });
    expect(unknownSetting.status).toBe(422);
    expect(unknownSetting.body.error.issues).toEqual([
      { path: 'vasp_settings.kpoints', message: 'unknown field; allowed fields of vasp_settings are functional, reciprocal_density' },
    ]);
    const typo = await api.call('POST', GENERATE, { body: { structur: inline().structure } });
    expect(typo.status).toBe(422);
    expect(typo.body.error.issues.find((i: { path: string }) => i.path === 'structur').message).toMatch(/^unknown field; allowed fields are structure, file, webhook_url, supercell, /);
    // Resolved like every other default, whether vasp is asked for or not.
    const plain = await api.call('POST', GENERATE, { body: inline({ output_formats: ['poscar'] }) });
    expect((await api.call('GET', `/actions/${plain.body.id}`)).body.parameters.vasp_settings).toEqual({ functional: 'pbesol', reciprocal_density: null });
  });

  it("422 with the parser's message for an unreadable inline structure", async () => {
    for (const bad of ['not-a-structure.txt', 'overlapping-atoms.vasp', 'truncated.vasp']) {
      const res = await api.call('POST', GENERATE, { body: { structure: { content: readFixture(`bad/${bad}`) } } });
      expect(res.status, bad).toBe(422);
      expect(res.body.error.code, bad).toBe('invalid_structure');
      expect(res.body.error.message.length, bad).toBeGreaterThan(10);
      expect(res.body.error.issues[0].path).toBe('structure.content');
    }
    const overlapping = await api.call('POST', GENERATE, { body: { structure: { content: readFixture('bad/overlapping-atoms.vasp') } } });
    expect(overlapping.body.error.message).toMatch(/0\.05|close|overlap/i);
  });

  it('takes the species of a VASP 4 POSCAR beside the structure, checks them at submission and keeps them on the action', async () => {
    const vasp4 = readFixture('bad/vasp4-no-species.vasp');
    const without = await api.call('POST', GENERATE, { body: { structure: { content: vasp4 } } });
    expect(without.status).toBe(422);
    expect(without.body.error.message).toMatch(/VASP 4 file without species, and none could be read beside the counts \(no element names follow the coordinates; .*"species": \["Cd", "Te"\]/);
    const given = await api.call('POST', GENERATE, { body: { structure: { content: vasp4, species: ['Cd', 'Te'] } } });
    expect(given.status).toBe(202);
    expect((await api.call('GET', `/actions/${given.body.id}`)).body.input).toEqual({ kind: 'inline', species: ['Cd', 'Te'] });
    const wrong = await api.call('POST', GENERATE, { body: { structure: { content: vasp4, species: ['Cd'] } } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toMatch(/2 atom counts \(1 1\) for 1 species \(Cd\)/);
    const byUrl = await api.call('POST', GENERATE, { body: { file: { url: 'https://example.org/POSCAR', species: ['Sn', 'O'] } } });
    expect(byUrl.status).toBe(202);
    expect((await api.call('GET', `/actions/${byUrl.body.id}`)).body.input).toEqual({ kind: 'url', url: 'https://example.org/POSCAR', species: ['Sn', 'O'] });
    const notElements = await api.call('POST', GENERATE, { body: { structure: { content: vasp4, species: ['Cd', 'Tellurium'] } } });
    expect(notElements.status).toBe(422);
    expect(notElements.body.error.issues).toEqual([{ path: 'structure.species.1', message: 'must be an element symbol, e.g. "Sn"' }]);
  });

  it('refuses at submission a supercell above the atom limit', async () => {
    // 6×6×6 conventional CdTe cells: 8 × 216 = 1728 atoms > MAX_ATOMS (1000).
    const res = await api.call('POST', GENERATE, { body: inline({ supercell: [6] }) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_supercell');
    expect(res.body.error.message).toMatch(/1728|1000/);
  });

  it('413 with a JSON message for a body over BODY_LIMIT', async () => {
    const res = await api.call('POST', GENERATE, { body: { structure: { content: cdte + ' '.repeat(70 * 1024) } } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(res.body.error.message).toMatch(/65536 bytes/);
  });

  it('refuses URLs that name an internal host when private URLs are not allowed', async () => {
    const strictPrefix = uniquePrefix('strict');
    const strict = await startTestApi(serviceEnv({ prefix: strictPrefix, redisUrl: await redisUrl(), extra: { ALLOW_PRIVATE_URLS: 'false' } }));
    try {
      for (const url of ['http://127.0.0.1/a.cif', 'http://localhost:8080/a.cif', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/a.cif', 'http://10.0.0.7/a.cif']) {
        const res = await strict.call('POST', GENERATE, { body: { file: { url } } });
        expect(res.status, url).toBe(422);
        expect(res.body.error.issues.map((i: { path: string }) => i.path), url).toEqual(['file.url']);
      }
      const hook = await strict.call('POST', GENERATE, { body: inline({ webhook_url: 'http://192.168.1.5/hook' }) });
      expect(hook.status).toBe(422);
      expect(hook.body.error.issues[0].path).toBe('webhook_url');
      expect((await strict.call('POST', GENERATE, { body: { file: { url: 'https://example.org/CdTe.cif' } } })).status).toBe(202);
    } finally {
      await strict.close();
      await deletePrefix(redis, strictPrefix);
    }
  });

  it('refuses platform headers from a client (403) and malformed ones from the platform (422)', async () => {
    const client = await api.call('POST', GENERATE, { body: inline(), headers: { 'ouro-action-id': 'abc' } });
    expect(client.status).toBe(403);
    const badId = await api.call('POST', GENERATE, { as: 'ouro', body: inline(), headers: { 'ouro-action-id': 'no spaces/slashes' } });
    expect(badId.status).toBe(422);
    expect(issuesOf(badId)).toEqual(['headers.ouro-action-id']);
    const badUrl = await api.call('POST', GENERATE, { as: 'ouro', body: inline(), headers: { 'ouro-action-id': 'a1', 'ouro-webhook-url': 'javascript:alert(1)' } });
    expect(badUrl.status).toBe(422);
  });

  it('422 for a malformed Idempotency-Key and for bad list queries', async () => {
    const key = await api.call('POST', GENERATE, { body: inline(), headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(key.status).toBe(422);
    for (const q of ['limit=0', 'limit=1000', 'status=done', 'colour=blue', 'cursor=bm90LWEtY3Vyc29y']) {
      const res = await api.call('GET', `/actions?${q}`);
      expect(res.status, q).toBe(422);
      expect(res.body.error.issues[0].path, q).toMatch(/^query\./);
    }
  });
});

describe('platform action ids', () => {
  it('a repeated ouro-action-id returns the same action and queues nothing new', async () => {
    const headers = { 'ouro-action-id': `ouro-${Date.now()}`, 'ouro-webhook-url': 'https://ouro.example/webhook', 'ouro-webhook-token': 'tok-123', 'ouro-route-id': 'r1', 'ouro-route-org-id': 'org1', 'ouro-route-team-id': 'team1', 'ouro-user-id': 'u1' };
    const first = await api.call('POST', GENERATE, { as: 'ouro', body: inline(), headers });
    expect(first.status).toBe(202);
    expect(first.body.id).toBe(headers['ouro-action-id']);
    const second = await api.call('POST', GENERATE, { as: 'ouro', body: inline(), headers });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.created_at).toBe(first.body.created_at);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const jobs = await api.ctx.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed']);
    expect(jobs.filter((j) => j.data.action_id === first.body.id)).toHaveLength(1);

    const stored = await api.ctx.store.get(first.body.id);
    expect(stored?.owner).toBe('ouro');
    expect(stored?.platform).toEqual({ action_id: first.body.id, webhook_url: 'https://ouro.example/webhook', webhook_token: 'tok-123', route_id: 'r1', route_org_id: 'org1', route_team_id: 'team1', user_id: 'u1' });
    // The token is kept for the delivery but never shown.
    const shown = await api.call('GET', `/actions/${first.body.id}`, { as: 'ouro' });
    expect(shown.body.platform.route_id).toBe('r1');
    expect(JSON.stringify(shown.body)).not.toContain('tok-123');
  });

  it('a reused ouro-action-id with another body is refused with 409 action_id_reused (issue 15)', async () => {
    const headers = { 'ouro-action-id': `ouro-reuse-${Date.now()}` };
    const first = await api.call('POST', GENERATE, { as: 'ouro', body: inline({ max_candidates: 5 }), headers });
    expect(first.status).toBe(202);
    // The same body in another key order is the same request.
    const same = await api.call('POST', GENERATE, { as: 'ouro', body: { max_candidates: 5, ...inline() }, headers });
    expect(same.status).toBe(202);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    const other = await api.call('POST', GENERATE, { as: 'ouro', body: inline({ max_candidates: 6 }), headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('action_id_reused');
    expect(other.body.error.message).toContain(headers['ouro-action-id']);
    // The first action is untouched.
    const stored = await api.call('GET', `/actions/${first.body.id}`, { as: 'ouro' });
    expect(stored.body.parameters.max_candidates).toBe(5);
    expect(stored.body).not.toHaveProperty('request_fingerprint');
  });
});

describe('Idempotency-Key', () => {
  it('same key and body: same action; same key, other body: 422; keys are per caller', async () => {
    const key = `key-${Date.now()}`;
    const first = await api.call('POST', GENERATE, { body: inline({ max_candidates: 5 }), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    // Same body with its keys in another order counts as the same body.
    const again = await api.call('POST', GENERATE, { body: { max_candidates: 5, ...inline() }, headers: { 'idempotency-key': key } });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await api.call('POST', GENERATE, { body: inline({ max_candidates: 6 }), headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const bob = await api.call('POST', GENERATE, { as: 'bob', body: inline({ max_candidates: 5 }), headers: { 'idempotency-key': key } });
    expect(bob.status).toBe(202);
    expect(bob.body.id).not.toBe(first.body.id);
    const jobs = await api.ctx.queue.getJobs(['waiting', 'prioritized']);
    expect(jobs.filter((j) => j.data.action_id === first.body.id)).toHaveLength(1);
    // Remembered for IDEMPOTENCY_TTL_SECONDS (24 h by default).
    const ttls = await Promise.all((await redis.keys(`${prefix}:idempotency:alice:*`)).map((k) => redis.ttl(k)));
    expect(ttls.length).toBeGreaterThan(0);
    for (const t of ttls) expect(t).toBeGreaterThan(86_000);
  });
});

describe('visibility and listing', () => {
  it("a client cannot read, list or download another client's action; an operator can", async () => {
    const mine = await api.call('POST', GENERATE, { body: inline() });
    const theirs = await api.call('GET', `/actions/${mine.body.id}`, { as: 'bob' });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    expect((await api.call('GET', `/actions/${mine.body.id}/archive.zip`, { as: 'bob' })).status).toBe(404);
    const bobList = await api.call('GET', '/actions?limit=100', { as: 'bob' });
    expect(bobList.body.actions.map((a: { id: string }) => a.id)).not.toContain(mine.body.id);
    expect(bobList.body.actions.every((a: { owner: string }) => a.owner === 'bob')).toBe(true);
    expect((await api.call('GET', `/actions/${mine.body.id}`, { as: 'ops' })).status).toBe(200);
    const opsList = await api.call('GET', '/actions?limit=100', { as: 'ops' });
    expect(opsList.body.actions.map((a: { id: string }) => a.id)).toContain(mine.body.id);
    expect((await api.call('GET', '/actions/does-not-exist')).status).toBe(404);
  });

  it('lists newest first, page by page, with a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await api.call('POST', GENERATE, { as: 'bob', body: inline({ random_seed: i }) })).body.id);
      await new Promise((r) => setTimeout(r, 3));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { actions: { id: string }[]; next_cursor: string | null } } = await api.call('GET', `/actions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: 'bob' });
      expect(page.status).toBe(200);
      expect(page.body.actions.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.actions.map((a) => a.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    const bobsOwn = seen.filter((id) => ids.includes(id));
    expect(bobsOwn).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const queued = await api.call('GET', '/actions?status=queued&limit=100', { as: 'bob' });
    expect(queued.body.actions.length).toBeGreaterThanOrEqual(5);
    const succeeded = await api.call('GET', '/actions?status=success', { as: 'bob' });
    expect(succeeded.body.actions).toEqual([]);
  });

  it('409 for the archive of an action that has not succeeded', async () => {
    const res = await api.call('POST', GENERATE, { body: inline() });
    const zip = await api.call('GET', `/actions/${res.body.id}/archive.zip`);
    expect(zip.status).toBe(409);
    expect(zip.body.error.code).toBe('not_ready');
  });
});

describe('operations', () => {
  it('healthz, readyz and metrics answer', async () => {
    expect((await api.call('GET', '/healthz', { as: 'nobody' })).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz', { as: 'nobody' })).status).toBe(200);
    const metrics = (await api.call('GET', '/metrics', { as: 'nobody' })).raw.toString();
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/generate-point-defect-candidates",status="202"\} \d+/);
    // Jobs carry their owner's place in line as a BullMQ priority (fair share): they wait as "prioritized".
    expect(metrics).toMatch(/defect_queue_jobs\{queue="generate",state="prioritized"\} [1-9]/);
    expect(metrics).toMatch(/defect_queue_jobs\{queue="generate-heavy",state="prioritized"\} \d+/);
    expect(metrics).toContain('defect_job_duration_seconds_count');
  });

  it('counts a refused submission as rejected once, whatever refused it: an invalid field, an unreadable structure, a reused key', async () => {
    const rejected = async () => Number(/^defect_submissions_total\{outcome="rejected"\} (\d+)$/m.exec((await api.call('GET', '/metrics', { as: 'nobody' })).raw.toString())?.[1] ?? 0);
    const before = await rejected();
    expect((await api.call('POST', GENERATE, { body: inline({ max_candidates: -1 }) })).status).toBe(422);
    expect((await api.call('POST', GENERATE, { body: { structure: { content: 'not a structure', filename: 'x.vasp' } } })).status).toBe(422);
    const key = `count-${Date.now()}`;
    expect((await api.call('POST', GENERATE, { body: inline(), headers: { 'idempotency-key': key } })).status).toBe(202);
    expect((await api.call('POST', GENERATE, { body: inline({ random_seed: 7 }), headers: { 'idempotency-key': key } })).status).toBe(422);
    expect((await rejected()) - before).toBe(3);
  });

  it('answers 503 quickly, instead of hanging, when Redis is unreachable', async () => {
    // A port nothing listens on: every Redis command fails at once.
    const down = await startTestApi(serviceEnv({ prefix: uniquePrefix('down'), redisUrl: 'redis://127.0.0.1:1', extra: { REDIS_TIMEOUT_MS: '500' } }));
    try {
      const ready = await down.call('GET', '/readyz', { as: 'nobody' });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', error: { code: 'redis_unavailable', message: 'Redis is not answering' } });
      // Where Redis is stays in the log, not in the public answer.
      expect(ready.raw.toString('utf8')).not.toMatch(/127\.0\.0\.1|:1\b|ECONNREFUSED/);
      expect(down.logs.some((l) => l.msg === 'readiness probe failed' && String(l.redis).includes('127.0.0.1:1'))).toBe(true);
      const submit = await down.call('POST', GENERATE, { body: inline() });
      expect(submit.status).toBe(503);
      expect(submit.body.error.code).toBe('unavailable');
      expect((await down.call('GET', '/healthz', { as: 'nobody' })).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('publishes an OpenAPI document with the platform extensions and every field documented', async () => {
    const doc = (await api.call('GET', '/openapi.json', { as: 'nobody' })).body;
    const op = doc.paths[GENERATE].post;
    expect(op['x-ouro-execution-mode']).toBe('async');
    expect(op['x-ouro-input-assets'].file.asset_type).toBe('file');
    expect(op['x-ouro-input-assets'].file.file_extensions).toEqual(['cif', 'vasp', 'poscar', 'contcar', 'json', 'extxyz', 'xyz', 'gz', 'bz2', 'xz']);
    const body = op.requestBody.content['application/json'].schema;
    const fields = Object.keys(body.properties);
    expect(fields).toEqual(expect.arrayContaining(['file', 'structure', 'webhook_url', 'supercell', 'random_seed', 'defect_types', 'max_candidates', 'dedupe_symmetry', 'dopant_elements', 'max_candidates_per_type']));
    const undocumented: string[] = [];
    const walk = (schema: Record<string, any>, path: string) => {
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, any>)) {
        if (!prop.title || !prop.description) undocumented.push(`${path}${name}`);
        walk(prop, `${path}${name}.`);
      }
    };
    walk(body, '');
    expect(undocumented).toEqual([]);
    expect(doc.paths['/actions/{id}'].get.responses['200']).toBeDefined();
  });

  it('keeps credentials and webhook tokens out of the logs', async () => {
    await api.call('POST', GENERATE, { as: 'ouro', body: inline(), headers: { 'ouro-action-id': `log-${Date.now()}`, 'ouro-webhook-token': 'very-secret-token' } });
    const text = JSON.stringify(api.logs);
    expect(api.logs.length).toBeGreaterThan(5);
    for (const secret of [...Object.values(SECRETS), 'very-secret-token']) expect(text).not.toContain(secret);
    const accepted = api.logs.find((l) => l.msg === 'action accepted');
    expect(accepted?.action_id).toBeDefined();
    // The access-log line of that request names the action and the caller too.
    const completed = api.logs.find((l) => l.msg === 'request completed' && l.action_id === accepted?.action_id);
    expect(completed).toMatchObject({ caller: expect.any(String), req: { id: expect.any(String) }, res: { statusCode: 202 } });
  });
});
