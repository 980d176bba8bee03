import { strFromU8, unzipSync } from 'fflate';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '@defect-candidates/core';
import { viewSignature } from '@defect-candidates/service/view-links';
import { PAGE_CSP } from '@defect-candidates/viewer';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { SECRETS, serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// The result page's signed links over HTTP (the API alone; actions end through the store, as a
// worker ends them). What a browser makes of the page is test/view/result-page.test.ts.

const VIEW_KEY = 'view-link-key-for-the-links-test-0123456789';
const cdte = structureFixture('CdTe.cif');
const answer = generate({ content: cdte, filename: 'CdTe.cif' }, { dopant_elements: ['Mg'], output_formats: ['poscar', 'report'] });

let api: TestApi;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('view-links');
  api = await startTestApi(serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { VIEW_LINK_SECRET: VIEW_KEY } }));
  redis = await testRedis();
});

afterAll(async () => {
  await api?.close();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

/** Submits CdTe as alice and returns the action's id and the view link from GET /actions/:id. */
async function submit(): Promise<{ id: string; view: string }> {
  const res = await api.call('POST', '/generate-point-defect-candidates', { body: { structure: { content: cdte, format: 'cif' }, dopant_elements: ['Mg'], output_formats: ['poscar', 'report'] } });
  expect(res.status).toBe(202);
  const got = await api.call('GET', `/actions/${res.body.id}`);
  return { id: res.body.id, view: got.body.links.view };
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });
const withSignature = (path: string, link: string) => `${path}${link.slice(link.indexOf('?'))}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (path: string): Promise<any> => (await get(path)).json();

describe('a signed view link', () => {
  it('opens the page with a strict CSP, and its data as the action goes from queued to success', async () => {
    const { id, view } = await submit();
    expect(view).toMatch(new RegExp(`^/view/${id}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
    const expires = Number(new URL(view, api.url).searchParams.get('expires'));
    expect(expires - Date.now() / 1000).toBeGreaterThan(86_400 - 60);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(86_400);

    const page = await get(view);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    for (const secret of Object.values(SECRETS)) expect(html).not.toContain(secret);

    const queued = await json(withSignature(`/view/${id}/data`, view));
    expect(queued).toEqual({ id, status: 'queued', created_at: expect.any(String), started_at: null, finished_at: null, progress: { stage: 'queued', percent: 0 } });

    await api.ctx.store.markStarted(id);
    await api.ctx.store.setProgress(id, 'interstitials', 40);
    expect((await json(withSignature(`/view/${id}/data`, view))).progress).toEqual({ stage: 'interstitials', percent: 40 });
    expect((await get(withSignature(`/view/${id}/archive.zip`, view))).status).toBe(409);

    await api.ctx.store.complete(id, answer);
    const done = await json(withSignature(`/view/${id}/data`, view));
    expect(done.status).toBe('success');
    expect(done.answer.candidates.map((c: { name: string }) => c.name)).toEqual(answer.candidates.map((c) => c.name));
    expect(done.answer.candidates[0].poscar).toBe(answer.candidates[0].structures.poscar);
    // The page's data is the action's state and answer only: not whose it is, what was sent, nor where results go.
    expect(Object.keys(done).sort()).toEqual(['answer', 'created_at', 'finished_at', 'id', 'progress', 'started_at', 'status']);

    const zip = await get(withSignature(`/view/${id}/archive.zip`, view));
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['manifest.json', 'report.html', 'v_Cd/POSCAR']));
    expect(strFromU8(files['report.html'])).toContain('<script type="application/json" id="dc-answer">');
  });

  it('shows a failed action’s message and code', async () => {
    const { id, view } = await submit();
    await api.ctx.store.markStarted(id);
    await api.ctx.store.fail(id, { message: 'the structure vanished', code: 'invalid_structure', type: 'StructureError', retryable: false });
    const data = await json(withSignature(`/view/${id}/data`, view));
    expect(data).toMatchObject({ status: 'error', error: { message: 'the structure vanished', code: 'invalid_structure' } });
    expect(data).not.toHaveProperty('answer');
  });

  it('gets 403 when expired, tampered with, made for another action or missing, on the page, its data and its archive', async () => {
    const a = await submit();
    const b = await submit();
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = `?expires=${past}&signature=${viewSignature(Buffer.from(VIEW_KEY), a.id, past)}`;
    const query = a.view.slice(a.view.indexOf('?'));
    const sig = new URL(a.view, api.url).searchParams.get('signature')!;
    // The first character: the last one of 43 base64url characters holds 2 padding bits, and changing only those changes nothing.
    const tampered = query.replace(sig, `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`);
    const later = query.replace(/expires=(\d+)/, (_m, e) => `expires=${Number(e) + 3600}`);
    for (const suffix of ['', '/data', '/archive.zip']) {
      const cases: [string, string][] = [
        [`/view/${a.id}${suffix}${expired}`, 'link_expired'],
        [`/view/${a.id}${suffix}${tampered}`, 'invalid_signature'],
        [`/view/${a.id}${suffix}${later}`, 'invalid_signature'],
        [`/view/${b.id}${suffix}${query}`, 'invalid_signature'],
        [`/view/${a.id}${suffix}`, 'invalid_signature'],
      ];
      for (const [path, code] of cases) {
        const res = await get(path);
        expect(res.status, path).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe(code);
      }
    }
  });

  it('answers a browser opening an expired or wrong link with a page saying so and how to get a fresh one, API clients and the page’s data with JSON', async () => {
    const { id, view } = await submit();
    const past = Math.floor(Date.now() / 1000) - 1;
    const expired = `?expires=${past}&signature=${viewSignature(Buffer.from(VIEW_KEY), id, past)}`;
    // A first character that differs from the real one (a fixed '_' left 1 signature in 64 valid).
    const wrong = view.slice(view.indexOf('?')).replace(/signature=(.)/, (_m, c: string) => `signature=${c === '_' ? 'A' : '_'}`);
    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8' };
    for (const [suffix, css] of [['', '../viewer/page.css'], ['/archive.zip', '../../viewer/page.css']]) {
      for (const [query, title, code] of [[expired, 'This link has expired', 'link_expired'], [wrong, 'This link is not valid', 'invalid_signature']]) {
        const path = `/view/${id}${suffix}${query}`;
        const res = await get(path, browser);
        expect(res.status, path).toBe(403);
        expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
        expect(res.headers.get('content-security-policy'), path).toBe(PAGE_CSP);
        expect(res.headers.get('cache-control'), path).toBe('no-store');
        const html = await res.text();
        expect(html, path).toContain(`<h2 id="failure-title">${title}</h2>`);
        expect(html, path).toContain(`<code id="error-code">${code}</code>`);
        expect(html, path).toContain('<code>links.view</code>');
        expect(html, path).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
        // Its stylesheet resolves to the page's own, from where it was asked for.
        expect(new URL(/href="([^"]+)"/.exec(html)![1], `${api.url}${path}`).pathname).toBe('/viewer/page.css');
        expect(css).toBe(/href="([^"]+)"/.exec(html)![1]);
      }
      expect((await get(`/view/${id}${suffix}${expired}`)).headers.get('content-type')).toMatch(/^application\/json/);
    }
    const data = await get(`/view/${id}/data${expired}`, browser);
    expect(data.status).toBe(403);
    expect(((await data.json()) as { error: { code: string } }).error.code).toBe('link_expired');
  });

  it('sends /view/<id>/ (a slash added) to the page, whose assets then resolve', async () => {
    const { id, view } = await submit();
    const query = view.slice(view.indexOf('?'));
    const res = await fetch(`${api.url}/view/${id}/${query}`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const target = new URL(res.headers.get('location')!, `${api.url}/view/${id}/${query}`);
    expect(`${target.pathname}${target.search}`).toBe(view);
    const page = await fetch(`${api.url}/view/${id}/${query}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1], page.url));
    expect(assets.map((u) => u.pathname).sort()).toEqual(['/viewer/3Dmol-min.js', '/viewer/page.css', '/viewer/page.js']);
    for (const u of assets) expect((await fetch(u)).status, u.pathname).toBe(200);
  });

  it('opens nothing else: not the API, not another action; an action gone is 404', async () => {
    const { id, view } = await submit();
    const query = view.slice(view.indexOf('?'));
    expect((await get(`/actions/${id}${query}`)).status).toBe(401);
    expect((await get(`/actions/${id}/archive.zip${query}`)).status).toBe(401);
    expect((await get(`/actions${query}`)).status).toBe(401);
    const gone = 'no-such-action-1';
    const expires = Math.floor(Date.now() / 1000) + 60;
    expect((await get(`/view/${gone}?expires=${expires}&signature=${viewSignature(Buffer.from(VIEW_KEY), gone, expires)}`)).status).toBe(404);
  });

  it('never lands in the API’s logs', async () => {
    const { id, view } = await submit();
    await get(view);
    await get(withSignature(`/view/${id}/data`, view));
    const signature = new URL(view, api.url).searchParams.get('signature')!;
    const lines = api.logs.filter((l) => JSON.stringify(l).includes(`/view/${id}`));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(api.logs)).not.toContain(signature);
    expect(JSON.stringify(lines)).toContain('signature=[redacted]');
  });
});

describe('the viewer assets', () => {
  it('are served from the API without credentials, gzipped when asked, revalidated by ETag', async () => {
    const plain = await get('/viewer/3Dmol-min.js', { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(400_000);
    expect(text).toContain('3dmol');
    const zipped = await fetch(`${api.url}/viewer/3Dmol-min.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toBe(text);
    // Negotiated as HTTP says: q=0 refuses gzip, `*` accepts it.
    for (const [header, encoding] of [['gzip;q=0', null], ['gzip;q=0, identity', null], ['br, deflate', null], ['*', 'gzip'], ['identity;q=0.5, gzip;q=1', 'gzip']]) {
      const res = await get('/viewer/page.js', { 'accept-encoding': header! });
      expect(res.headers.get('content-encoding'), header!).toBe(encoding);
      expect(res.headers.get('vary'), header!).toBe('accept-encoding');
    }
    const etag = plain.headers.get('etag')!;
    expect((await get('/viewer/3Dmol-min.js', { 'if-none-match': etag })).status).toBe(304);
    for (const name of ['page.js', 'page.css']) expect((await get(`/viewer/${name}`)).status, name).toBe(200);
    expect((await get('/viewer/secrets.txt')).status).toBe(404);
    expect((await get('/viewer/..%2Fpackage.json')).status).toBe(404);
  });
});
