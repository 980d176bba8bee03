import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '@defect-candidates/service/net/address';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { startHttpServer, respondWith, type TestHttpServer } from '../support/http-server.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction, type TestApi, type WorkerHandle } from '../support/service.ts';
import { waitForAll } from '../support/bulk-actions.ts';

// With ALLOW_PRIVATE_URLS unset, structure URLs and webhooks must never reach loopback, private,
// link-local or metadata addresses, however the address is spelled, and also when a harmless-looking
// name resolves to one. A local server stands in for the internal target: it must see no request.

const GENERATE = '/generate-point-defect-candidates';
const si = structureFixture('Si.vasp');
const cdte = structureFixture('CdTe.cif');

let prefix: string;
let redis: Redis;
let api: TestApi;
let target: TestHttpServer;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('hostile-ssrf');
  redis = await testRedis();
  target = await startHttpServer({ '/CdTe.cif': respondWith(cdte), '/hook': respondWith('ok') });
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { ALLOW_PRIVATE_URLS: 'false', WEBHOOK_RETRY_DELAYS_MS: '0,100,100', DOWNLOAD_ATTEMPTS: '2', DOWNLOAD_RETRY_DELAY_MS: '50' } });
  api = await startTestApi(env, [webhooksPlugin()]);
  workers.push(await spawnWorker(env));
});

afterAll(async () => {
  await stopWorkers(workers, 3_000);
  await api?.close();
  await target?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

/** Internal targets, each spelled as a URL host. */
function internalHosts(port: number): [string, string][] {
  return [
    ['loopback', `127.0.0.1:${port}`],
    ['loopback, short form', `127.1:${port}`],
    ['loopback, decimal', `2130706433:${port}`],
    ['loopback, hex', `0x7f000001:${port}`],
    ['loopback, octal', `0177.0.0.1:${port}`],
    ['loopback, other address in 127/8', `127.45.6.7:${port}`],
    ['IPv6 loopback', `[::1]:${port}`],
    ['localhost', `localhost:${port}`],
    ['localhost, upper case with trailing dot', `LOCALHOST.:${port}`],
    ['a *.localhost name', `api.localhost:${port}`],
    ['unspecified', `0.0.0.0:${port}`],
    ['IPv6 unspecified', `[::]:${port}`],
    ['private 10/8', '10.1.2.3'],
    ['private 172.16/12', '172.20.0.1'],
    ['private 192.168/16', '192.168.1.1'],
    ['IPv6 unique local', '[fd12:3456::1]'],
    ['link-local', '169.254.10.20'],
    ['IPv6 link-local', '[fe80::1]'],
    ['cloud metadata', '169.254.169.254'],
    ['cloud metadata, decimal', '2852039166'],
    ['AWS IPv6 metadata', '[fd00:ec2::254]'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['IPv4-mapped loopback', `[::ffff:127.0.0.1]:${port}`],
    ['IPv4-mapped loopback, hex groups', `[::ffff:7f00:1]:${port}`],
    ['IPv4-mapped metadata', '[::ffff:169.254.169.254]'],
    ['IPv4-mapped private', '[::ffff:10.0.0.1]'],
    ['IPv4-compatible loopback', `[::127.0.0.1]:${port}`],
    ['NAT64 of loopback', `[64:ff9b::7f00:1]:${port}`],
    ['6to4 of loopback', `[2002:7f00:1::]:${port}`],
  ];
}

describe('URLs naming an internal host are refused at submission', () => {
  it.each(internalHosts(0).map(([name]) => [name]))('%s: as file.url and as webhook_url', async (name) => {
    const host = internalHosts(target.port).find(([n]) => n === name)![1];
    const file = await api.call('POST', GENERATE, { body: { file: { url: `http://${host}/CdTe.cif`, filename: 'CdTe.cif' } } });
    expect(file.status, `${host}: ${JSON.stringify(file.body)}`).toBe(422);
    expect(file.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['file.url']);
    expect(file.body.error.message).toMatch(/[Rr]efused|not allowed|internal|private|loopback|link-local|metadata|unspecified|reserved/);

    const hook = await api.call('POST', GENERATE, { body: { structure: { content: si }, webhook_url: `http://${host}/hook` } });
    expect(hook.status, `${host}: ${JSON.stringify(hook.body)}`).toBe(422);
    expect(hook.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['webhook_url']);
  });

  it('userinfo and fragment tricks do not hide the host', async () => {
    for (const url of [`http://example.org@127.0.0.1:${target.port}/CdTe.cif`, `http://127.0.0.1:${target.port}#@example.org/CdTe.cif`, `http://127.0.0.1:${target.port}\\@example.org/CdTe.cif`]) {
      const res = await api.call('POST', GENERATE, { body: { file: { url } } });
      expect(res.status, url).toBe(422);
    }
  });
});

/** A name (other than localhost) that this machine resolves to an internal address. */
async function internalName(): Promise<{ name: string; address: string }> {
  for (const name of [hostname(), `${hostname()}.`]) {
    try {
      const { address } = await lookup(name);
      if (classifyAddress(address)) return { name: name.replace(/\.$/, ''), address };
    } catch {
      // try the next one
    }
  }
  throw new Error(`no name on this machine resolves to an internal address (tried ${hostname()}); the resolution check cannot be exercised`);
}

describe('a name that resolves to an internal address', () => {
  it('is never connected to for a structure download', { timeout: 60_000 }, async () => {
    const { name, address } = await internalName();
    const before = target.requests.length;
    const res = await api.call('POST', GENERATE, { body: { file: { url: `http://${name}:${target.port}/CdTe.cif`, filename: 'CdTe.cif' } } });
    if (res.status === 202) {
      const action = await waitForAction(api, res.body.id, { timeoutMs: 30_000 });
      expect(action.status).toBe('error');
      expect(action.error.code).toBe('download_failed');
      expect(action.error.message).toContain(address);
    } else {
      expect(res.status).toBe(422);
    }
    expect(target.requests.length - before).toBe(0);
  });

  it('is never connected to for a webhook, direct or platform', { timeout: 60_000 }, async () => {
    const { name } = await internalName();
    const before = target.requests.length;
    const direct = await api.call('POST', GENERATE, { body: { structure: { content: si }, defect_types: ['vacancy'], webhook_url: `http://${name}:${target.port}/hook` } });
    // The platform's own header is judged when delivering (the platform is trusted to name its endpoint, not to reach inside).
    const platform = await api.call('POST', GENERATE, {
      as: 'ouro',
      body: { structure: { content: si }, defect_types: ['vacancy'] },
      headers: { 'ouro-action-id': `ssrf-${Date.now()}`, 'ouro-webhook-url': `http://127.0.0.1:${target.port}/hook`, 'ouro-webhook-token': 'tok' },
    });
    const accepted = [direct, platform].filter((r) => r.status === 202).map((r) => r.body.id as string);
    for (const r of [direct, platform]) expect([202, 422], JSON.stringify(r.body)).toContain(r.status);
    const settled = await waitForAll(redis, prefix, accepted, { timeoutMs: 30_000, done: (s) => s?.webhookState === 'failed' || s?.webhookState === 'delivered' });
    for (const id of accepted) {
      expect(settled.get(id)?.status).toBe('success');
      expect(settled.get(id)?.webhookState).toBe('failed');
    }
    expect(target.requests.length - before).toBe(0);
  });
});
