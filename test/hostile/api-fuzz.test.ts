import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '@defect-candidates/service/store/keys';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { batchesPlugin } from '../../apps/api/src/routes/batches.ts';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { SECRETS, serviceEnv, startTestApi, type TestApi } from '../support/service.ts';

// Hostile HTTP against the in-process API: whatever the body, headers, path or query string, the
// answer is 2xx or 4xx (never 5xx), errors keep their JSON shape, oversized bodies get 413, and a
// supercell above the atom limit is refused at submission with nothing queued.
//
// Structure texts here are the fixtures with structural damage (lines dropped, repeated, swapped,
// truncated, words replaced) and random text. Extreme numbers inside structures are the parser
// fuzzer's job (packages/core/src/io/fuzz.test.ts), which runs the readers in a sandbox process:
// an input that hangs a reader would hang this in-process API and the test with it.

const GENERATE = '/generate-point-defect-candidates';
const BODY_LIMIT = 256 * 1024;
const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * RUN_SCALE)), seed: SEED });

const FIXTURES = ['CdTe.cif', 'Si.vasp', 'MgO.json', 'GaN.vasp', 'Fe-bcc.vasp', 'TiO2-rutile.cif'].map((n) => structureFixture(n));
const cdte = structureFixture('CdTe.cif');

let prefix: string;
let redis: Redis;
let api: TestApi;

beforeAll(async () => {
  prefix = uniquePrefix('hostile-api');
  redis = await testRedis();
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { BODY_LIMIT: String(BODY_LIMIT), ALLOW_PRIVATE_URLS: 'false', LOG_LEVEL: 'silent' } });
  api = await startTestApi(env, [webhooksPlugin(), batchesPlugin()]);
});

afterAll(async () => {
  await api?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

interface ErrorBody {
  error: { code: string; message: string };
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request; fails the property on a 5xx or on a JSON error without `{error: {code, message}}`. */
async function expectNo5xx(req: Sent): Promise<number> {
  let res: Response;
  try {
    res = await fetch(`${api.url}${req.path}`, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    // fetch itself refused to send it (a header value it considers invalid): nothing reached the server.
    if (err instanceof TypeError && !/fetch failed/.test(err.message)) return 0;
    throw new Error(`${req.method} ${req.path} failed at the transport: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
  }
  const text = await res.text();
  const shown = () => `${req.method} ${req.path} ${JSON.stringify(req.headers).slice(0, 400)} ${String(req.body ?? '').slice(0, 300)} → ${res.status} ${text.slice(0, 400)}`;
  if (res.status >= 500) throw new Error(`5xx: ${shown()}`);
  if (res.status >= 400 && req.method !== 'HEAD' && (res.headers.get('content-type') ?? '').includes('json')) {
    let body: { error?: { code?: unknown; message?: unknown } } = {};
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`error answer is not JSON: ${shown()}`);
    }
    if (typeof body.error?.code !== 'string' || typeof body.error?.message !== 'string' || body.error.message === '') {
      throw new Error(`error answer without {error: {code, message}}: ${shown()}`);
    }
  }
  return res.status;
}

// ---------------------------------------------------------------------------------------------
// Generators

const auth = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(`Bearer ${SECRETS.alice}`, `Bearer ${SECRETS.ops}`, `Basic ${SECRETS.ouro}`) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic', 'bearer  x', `Bearer ${SECRETS.alice}x`, `Basic ${Buffer.from(`ouro:${SECRETS.ouro}`).toString('base64')}`, 'Digest x', `Bearer ${'a'.repeat(8000)}`),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 40 }),
    ),
  },
);

const urlish = fc.oneof(
  fc.constantFrom(
    'https://example.org/CdTe.cif', 'http://127.0.0.1/a.cif', 'http://localhost/x', 'http://[::ffff:127.0.0.1]/x', 'http://169.254.169.254/latest', 'ftp://example.org/x',
    'file:///etc/passwd', 'javascript:alert(1)', 'http://', 'https://ex ample.org/', 'http://example.org:99999/', '//example.org/x', 'http://user:pass@example.org/x',
    'http://2130706433/', 'http://0x7f.1/', 'https://example.org/' + 'a'.repeat(3000),
  ),
  fc.webUrl(),
  fc.string({ maxLength: 30 }),
);

const structuralMutation = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), times: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('word' as const), at: fc.nat(), by: fc.oneof(fc.constantFrom('Xx', 'Fe', '', '?', 'loop_', 'data_', '{', '"'), fc.string({ maxLength: 6 })) }),
);

type Damage = { op: string; at?: number; times?: number; a?: number; b?: number; by?: string };

function damage(text: string, ms: Damage[]): string {
  let out = text;
  for (const m of ms) {
    const lines = out.split('\n');
    const k = (n: number) => n % Math.max(1, lines.length);
    if (m.op === 'drop') lines.splice(k(m.at!), 1);
    else if (m.op === 'repeat') lines.splice(k(m.at!), 0, ...Array<string>(m.times!).fill(lines[k(m.at!)]));
    else if (m.op === 'swap') [lines[k(m.a!)], lines[k(m.b!)]] = [lines[k(m.b!)], lines[k(m.a!)]];
    else if (m.op === 'truncate') {
      out = out.slice(0, m.at! % (out.length + 1));
      continue;
    } else if (m.op === 'word') {
      const words = [...out.matchAll(/\S+/g)];
      if (words.length > 0) {
        const w = words[m.at! % words.length];
        out = out.slice(0, w.index) + m.by! + out.slice(w.index! + w[0].length);
      }
      continue;
    }
    out = lines.join('\n');
  }
  return out;
}

const structureContent = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FIXTURES) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...FIXTURES), fc.array(structuralMutation, { minLength: 1, maxLength: 3 })).map(([t, ms]) => damage(t, ms)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom(`{"lattice": ${'['.repeat(5000)}${']'.repeat(5000)}}`, '{"lattice": [[1,0,0],[0,1,0],[0,0,1]], "species": ["Si"], "frac_coords": [[0,0,0]]}', '') },
);

const requestFieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>([], [1], [2], [2, 2, 2], [[2, 0, 0], [0, 2, 0], [0, 0, 2]], [21], 0, -1, 24, 201, 1e308, ['vacancy'], ['interstitial'], ['Mg'], ['Xx'], ['poscar', 'cif'], true, 'yes', null),
);

const bodyObject = fc.record(
  {
    structure: fc.oneof(
      fc.record({ content: structureContent, format: fc.constantFrom<unknown>(undefined, 'cif', 'poscar', 'pymatgen', 'json', 'extxyz', 'pdf', 3), filename: fc.constantFrom<unknown>(undefined, 'x.cif', 'POSCAR', '', 'a'.repeat(300)) }, { requiredKeys: ['content'] }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    file: fc.oneof(fc.record({ url: urlish, filename: fc.string({ maxLength: 12 }), extension: fc.string({ maxLength: 5 }) }, { requiredKeys: ['url'] }), fc.jsonValue({ maxDepth: 2 })),
    webhook_url: fc.oneof(urlish, fc.jsonValue({ maxDepth: 1 })),
    supercell: requestFieldValue,
    defect_types: fc.oneof(fc.constant(['vacancy']), requestFieldValue),
    max_candidates: requestFieldValue,
    dopant_elements: requestFieldValue,
    output_formats: requestFieldValue,
    interstitial_sites: requestFieldValue,
    __proto__: fc.jsonValue({ maxDepth: 1 }),
    constructor: fc.jsonValue({ maxDepth: 1 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

/** JSON text of `value` with a key literally named "__proto__" kept (JSON.stringify drops prototype tricks otherwise). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === null ? { ...(v as object) } : v));
}

// ---------------------------------------------------------------------------------------------

describe('fuzzed submissions', () => {
  it('JSON bodies: request-shaped objects with hostile fields, and arbitrary JSON', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: bodyObject }, { weight: 1, arbitrary: fc.jsonValue() }), auth, async (body, authorization) => {
        await expectNo5xx({ method: 'POST', path: GENERATE, headers: { authorization, 'content-type': 'application/json' }, body: toJson(body) });
      }),
      runs(300),
    );
  });

  it('batch bodies: items shaped like requests, hostile defaults and batch fields, and arbitrary JSON', { timeout: 120_000 }, async () => {
    const batchBody = fc.record(
      {
        items: fc.oneof({ weight: 4, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: bodyObject }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }), { maxLength: 6 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
        defaults: fc.oneof(bodyObject, fc.jsonValue({ maxDepth: 2 })),
        atomic: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
        webhook_url: fc.oneof(urlish, fc.jsonValue({ maxDepth: 1 })),
        action_webhooks: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
        __proto__: fc.jsonValue({ maxDepth: 1 }),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: batchBody }, { weight: 1, arbitrary: fc.jsonValue() }), auth, async (body, authorization) => {
        await expectNo5xx({ method: 'POST', path: '/batches', headers: { authorization, 'content-type': 'application/json' }, body: toJson(body) });
      }),
      runs(150),
    );
  });

  it('raw bodies under any content type and encoding', { timeout: 120_000 }, async () => {
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=bogus', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'multipart/form-data; boundary=x', '', 'application/json, text/plain', '*/*');
    const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip');
    const raw = fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '1e999', '{"structure":{"content":"x"}}', '\u0000{}', '\ufeff{}'));
    await fc.assert(
      fc.asyncProperty(raw, contentType, encoding, async (body, type, enc) => {
        const headers: Record<string, string> = { authorization: `Bearer ${SECRETS.alice}` };
        if (type) headers['content-type'] = type;
        if (enc) headers['content-encoding'] = enc;
        await expectNo5xx({ method: 'POST', path: GENERATE, headers, body });
      }),
      runs(300),
    );
  });

  it('headers: credentials, idempotency keys, request ids and platform headers', { timeout: 120_000 }, async () => {
    const value = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', ' ', 'a'.repeat(5000), '../../etc', 'x'.repeat(129), '%00', 'ünïcödé'), fc.uuid());
    const headerSet = fc.record(
      {
        'idempotency-key': value,
        'x-request-id': value,
        'ouro-action-id': value,
        'ouro-webhook-url': fc.oneof(urlish, value),
        'ouro-webhook-token': value,
        'ouro-route-id': value,
        'ouro-route-org-id': value,
        'ouro-user-id': value,
        accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
        'x-forwarded-for': fc.constantFrom('127.0.0.1', 'a, b, c', '::1', ''),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headerSet, auth, fc.boolean(), async (headers, authorization, valid) => {
        const body = valid ? { structure: { content: cdte }, defect_types: ['vacancy'] } : { structure: { content: 'nothing' } };
        await expectNo5xx({ method: 'POST', path: GENERATE, headers: { ...headers, authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      }),
      runs(300),
    );
  });
});

describe('fuzzed paths and query strings', () => {
  it('every route, any method, any query string', { timeout: 120_000 }, async () => {
    const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.constantFrom('..', '%2e%2e', '%00', 'a%2Fb', '%zz', 'x'.repeat(300), 'ACTION', '*'));
    const path = fc.oneof(
      fc.constantFrom('/actions', '/webhooks/failed', '/webhooks/retry-failed', '/healthz', '/readyz', '/metrics', '/openapi.json', '/admin/queues', '/admin/queues/api/queues', GENERATE, '/', '//actions', '/actions/', '/ACTIONS', '/batches', '/batches/'),
      id.map((x) => `/actions/${x}`),
      id.map((x) => `/batches/${x}`),
      id.map((x) => `/batches/${x}/archive.zip`),
      id.map((x) => `/batches/${x}/webhook/retry`),
      id.map((x) => `/actions/${x}/archive.zip`),
      id.map((x) => `/actions/${x}/webhook/retry`),
      fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
    );
    const queryKey = fc.oneof(fc.constantFrom('status', 'limit', 'cursor', 'force', 'min_age_seconds', 'max_age_seconds', 'limit[]', 'status[a]', '__proto__', 'constructor'), fc.string({ maxLength: 8 }).map(encodeURIComponent));
    const queryValue = fc.oneof(
      fc.constantFrom('', 'queued', 'success', 'error', 'in-progress', '0', '1', '100', '101', '-1', '1e3', 'NaN', 'true', 'false', 'x'.repeat(600), '%zz', '%00', 'eyJ0IjoxfQ', 'bm90LWEtY3Vyc29y'),
      fc.string({ maxLength: 20 }).map(encodeURIComponent),
      fc.base64String({ maxLength: 40 }).map(encodeURIComponent),
    );
    const query = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
    const method = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(method, path, query, auth, async (m, p, q, authorization) => {
        await expectNo5xx({ method: m, path: p + q, headers: { authorization } });
      }),
      runs(400),
    );
  });

  it('malformed HTTP on the raw socket is refused with 4xx, never 5xx', { timeout: 60_000 }, async () => {
    const requests = [
      `GET /actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\nX-Bad\u0001Header: 1\r\n\r\n`,
      `POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}`,
      `POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
      `POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      `GET /actions?limit=%ZZ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\n\r\n`,
      `GET /actions/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRETS.alice}\r\n\r\n`,
      `GET /actions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'é'.repeat(10)}\r\n\r\n`,
      `GET http://evil.example/actions HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${SECRETS.alice}\r\n\r\n`,
      `BREW /actions HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /actions HTTP/9.9\r\nHost: x\r\n\r\n`,
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /actions HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const raw of requests) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(api.port, '127.0.0.1');
        let data = '';
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer within 10 s to ${JSON.stringify(raw.slice(0, 120))}`));
        }, 10_000);
        socket.setEncoding('latin1');
        socket.on('data', (d: string) => {
          data += d;
          if (/\r\n\r\n/.test(data)) {
            clearTimeout(timer);
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(data);
        });
        socket.write(raw, 'latin1');
      });
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      // Either the connection was closed without an answer, or the answer is not a server error.
      expect(status === 0 || (status >= 200 && status < 500), `${JSON.stringify(raw.slice(0, 120))} → ${answer.slice(0, 200)}`).toBe(true);
    }
  });
});

describe('deep nesting', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const cases: [string, string][] = [
    ['request fields nested 50,000 levels deep', `{"structure": {"content": ${JSON.stringify(cdte)}}, "supercell": ${deep(50_000)}, "dopant_elements": ${deep(50_000)}}`],
    ['envelope fields nested 50,000 levels deep', `{"file": ${deep(50_000)}, "webhook_url": ${deep(50_000)}}`],
    ['a JSON structure whose lattice is nested 50,000 levels deep', JSON.stringify({ structure: { content: `{"lattice": [[1,0,0],[0,1,0],${deep(50_000)}], "species": ["Fe"], "frac_coords": [[0,0,0]]}` } })],
    ['a pymatgen structure whose site is nested 50,000 levels deep', JSON.stringify({ structure: { content: `{"lattice": [[3,0,0],[0,3,0],[0,0,3]], "sites": [${deep(50_000)}]}` } })],
  ];
  it.each(cases)('%s: 4xx, not 5xx (400 when the body itself is too deep, 422 when the structure text is)', async (_name, body) => {
    expect(Buffer.byteLength(body)).toBeLessThan(BODY_LIMIT);
    const status = await expectNo5xx({ method: 'POST', path: GENERATE, headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json' }, body });
    expect(status).toBe(body.startsWith('{"structure":{"content":"') ? 422 : 400);
  });
});

describe('deep nesting with an Idempotency-Key or a platform action id (issue 15: the fingerprint recursed)', () => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const file = (n: number) => `{"file": {"url": "https://example.org/CdTe.cif", "filename": "CdTe.cif", "extra": ${deep(n)}}}`;

  it('a file object with 5,000-deep arrays and an Idempotency-Key is refused before parsing (400 json_too_deep); one as deep as allowed is accepted and replayed', async () => {
    const headers = { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json', 'idempotency-key': `deep-${Date.now()}` };
    const tooDeep = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers, body: file(5000) });
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as ErrorBody).error.code).toBe('json_too_deep');
    // The body and `file` take two of the 64 levels.
    const first = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers, body: file(62) });
    expect(first.status).toBe(202);
    const again = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers, body: file(62) });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const other = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers, body: file(61) });
    expect(other.status).toBe(422);
  });

  it('any body the JSON parser accepts, nested up to 50,000 levels anywhere, ends 2xx or 4xx', { timeout: 120_000 }, async () => {
    const field = fc.constantFrom('file', 'structure', 'webhook_url', 'supercell', 'extra', 'dopant_elements');
    await fc.assert(
      fc.asyncProperty(field, fc.integer({ min: 1000, max: 50_000 }), fc.constantFrom('idempotency', 'platform', 'none'), fc.boolean(), async (name, depth, replay, inFile) => {
        const nested = inFile ? `{"url": "https://example.org/a.cif", "x": ${deep(depth)}}` : deep(depth);
        const body = `{"${name}": ${nested}${name === 'file' ? '' : ', "file": {"url": "https://example.org/a.cif"}'}}`;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (replay === 'platform') Object.assign(headers, { authorization: `Basic ${SECRETS.ouro}`, 'ouro-action-id': `deep-${depth}-${name}` });
        else headers.authorization = `Bearer ${SECRETS.alice}`;
        if (replay === 'idempotency') headers['idempotency-key'] = `deep-${depth}-${name}-${inFile}`;
        await expectNo5xx({ method: 'POST', path: GENERATE, headers, body });
      }),
      runs(40),
    );
  });
});

describe('oversized bodies', () => {
  const big = () => JSON.stringify({ structure: { content: cdte + ' '.repeat(BODY_LIMIT) } });

  it('413 with a JSON message, whether the length is declared or chunked', async () => {
    const declared = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json' }, body: big() });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as ErrorBody).error.code).toBe('payload_too_large');

    const body = Buffer.from(big());
    const chunked = await fetch(`${api.url}${GENERATE}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < body.length; i += 8192) controller.enqueue(body.subarray(i, i + 8192));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('413 for a small gzip body that inflates past the limit (a compression bomb)', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ structure: { content: ' '.repeat(20 * 1024 * 1024) } })));
    expect(bomb.length).toBeLessThan(BODY_LIMIT);
    const res = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers: { authorization: `Bearer ${SECRETS.alice}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('an anonymous oversized body is refused (401 or 413)', async () => {
    const res = await fetch(`${api.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big() });
    expect([401, 413]).toContain(res.status);
  });
});

describe('supercells above the atom limit (MAX_ATOMS = 1000)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['[6]: 6x6x6 conventional CdTe cells, 1,728 atoms', { structure: { content: cdte }, supercell: [6] }],
    ['[10, 10, 10]: 8,000 atoms', { structure: { content: cdte }, supercell: [10, 10, 10] }],
    ['[20, 20, 1]: 3,200 atoms', { structure: { content: cdte }, supercell: [20, 20, 1] }],
    ['a 3x3 matrix of determinant 216 (1,728 atoms)', { structure: { content: cdte }, supercell: [[6, 0, 0], [0, 6, 0], [0, 0, 6]] }],
    ['a non-diagonal matrix of determinant 128 (1,024 atoms)', { structure: { content: cdte }, supercell: [[4, 4, 0], [0, 4, 4], [4, 0, 4]] }],
    ['automatic, with a 50 Å minimum image distance', { structure: { content: cdte }, supercell: [], min_image_distance: 50 }],
  ];

  it.each(cases)('%s: 422 at submission, nothing stored or queued', async (_name, body) => {
    const k = keys(prefix);
    const before = { actions: await redis.zcard(k.indexAll), jobs: await api.ctx.queue.count() };
    const res = await api.call('POST', GENERATE, { body: { defect_types: ['vacancy'], ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(['invalid_supercell', 'invalid_structure', 'invalid_request']).toContain(res.body.error.code);
    expect(res.body.error.message).toMatch(/atoms|1000|limit/i);
    expect({ actions: await redis.zcard(k.indexAll), jobs: await api.ctx.queue.count() }).toEqual(before);
  });
});
