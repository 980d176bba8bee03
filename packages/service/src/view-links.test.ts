import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { deletePrefix, testRedis, uniquePrefix } from '../../../test/support/redis.ts';
import { checkViewSignature, viewSignature, ViewLinks } from './view-links.ts';

const KEY = Buffer.from('a-view-link-secret-of-32-characters!!');
const NOW = 1_800_000_000;

describe('checkViewSignature', () => {
  const sig = viewSignature(KEY, 'act-1', NOW + 60);

  it('accepts the signature it made until the expiry, then calls it expired', () => {
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), sig, NOW)).toBe('valid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), sig, NOW + 60)).toBe('valid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), sig, NOW + 61)).toBe('expired');
  });

  it('refuses another action, another expiry, another key and anything malformed', () => {
    expect(checkViewSignature(KEY, 'act-2', String(NOW + 60), sig, NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 6000), sig, NOW)).toBe('invalid');
    expect(checkViewSignature(Buffer.from('another-secret-of-thirty-two-chars!!'), 'act-1', String(NOW + 60), sig, NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', `${NOW + 60}.5`, sig, NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), sig.slice(0, -2), NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', undefined, sig, NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), ['a', 'b'], NOW)).toBe('invalid');
    expect(checkViewSignature(KEY, 'act-1', String(NOW + 60), '', NOW)).toBe('invalid');
  });
});

describe('ViewLinks', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const prefix = (name: string) => {
    const p = uniquePrefix(name);
    prefixes.push(p);
    return p;
  };

  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(redis, p);
    redis.disconnect();
  });

  it('makes absolute or relative links that expire after the configured time', async () => {
    const links = new ViewLinks(redis, { secret: KEY.toString(), ttlSeconds: 3600, prefix: prefix('view'), publicUrl: 'https://defects.example.org/' });
    const url = new URL(await links.link('act 1', NOW * 1000));
    expect(url.origin + url.pathname).toBe('https://defects.example.org/view/act%201');
    expect(url.searchParams.get('expires')).toBe(String(NOW + 3600));
    expect(await links.check('act 1', url.searchParams.get('expires'), url.searchParams.get('signature'), NOW * 1000)).toBe('valid');
    expect(await links.check('act 1', url.searchParams.get('expires'), url.searchParams.get('signature'), (NOW + 3601) * 1000)).toBe('expired');
    const relative = await new ViewLinks(redis, { secret: KEY.toString(), ttlSeconds: 60, prefix: 'x', publicUrl: '' }).link('a', NOW * 1000);
    expect(relative).toMatch(/^\/view\/a\?expires=\d+&signature=[A-Za-z0-9_-]{43}$/);
  });

  it('without a configured secret, shares one random key through Redis between processes of one prefix', async () => {
    const shared = prefix('view-shared');
    const api = new ViewLinks(redis, { secret: '', ttlSeconds: 60, prefix: shared, publicUrl: '' });
    const worker = new ViewLinks(redis, { secret: '', ttlSeconds: 60, prefix: shared, publicUrl: '' });
    const [fromApi, fromWorker] = await Promise.all([api.link('act-1', NOW * 1000), worker.link('act-1', NOW * 1000)]);
    expect(fromApi).toBe(fromWorker);
    const q = new URL(fromWorker, 'http://x').searchParams;
    expect(await api.check('act-1', q.get('expires'), q.get('signature'), NOW * 1000)).toBe('valid');
    expect((await redis.get(`${shared}:view-link-secret`))!.length).toBeGreaterThanOrEqual(43);

    const other = new ViewLinks(redis, { secret: '', ttlSeconds: 60, prefix: prefix('view-other'), publicUrl: '' });
    expect(await other.check('act-1', q.get('expires'), q.get('signature'), NOW * 1000)).toBe('invalid');
  });
});
