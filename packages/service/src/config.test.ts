import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, defaultText, loadConfig, parseBytes, parseClusterNodes, redactUrl } from './config.ts';
import { queuePrefix } from './queues.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.keyPrefix).toBe('dc');
    expect(c.bodyLimitBytes).toBe(5 * 1024 * 1024);
    expect(c.jobTimeoutMs).toBe(600_000);
    expect(c.actionTtlSeconds).toBe(7 * 24 * 3600);
    expect(c.idempotencyTtlSeconds).toBe(24 * 3600);
    expect(c.allowPrivateUrls).toBe(false);
    expect(c.maxAtoms).toBe(1000);
    expect(c.maxInputAtoms).toBe(5000);
    expect(c.workerConcurrency).toBeGreaterThanOrEqual(1);
    expect(c.webhookRetryDelaysMs).toEqual([0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 50400000, 72000000, 86400000]);
    expect(c.viewLinkSecret).toBe('');
    expect(c.viewLinkTtlSeconds).toBe(24 * 3600);
  });

  it('reads values and overrides', () => {
    const c = loadConfig({ PORT: '9000', ALLOW_PRIVATE_URLS: 'true', BODY_LIMIT: '512kb', WEBHOOK_RETRY_DELAYS_MS: '0, 300,300' }, { keyPrefix: 'x1' });
    expect(c).toMatchObject({ port: 9000, allowPrivateUrls: true, bodyLimitBytes: 512 * 1024, webhookRetryDelaysMs: [0, 300, 300], keyPrefix: 'x1' });
  });

  it('refuses a malformed value, naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ ALLOW_PRIVATE_URLS: 'maybe' })).toThrow(/ALLOW_PRIVATE_URLS/);
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/at least 1/);
    expect(() => loadConfig({ KEY_PREFIX: 'a:b' })).toThrow(/KEY_PREFIX/);
    expect(() => loadConfig({ WEBHOOK_RETRY_DELAYS_MS: '0,soon' })).toThrow(/WEBHOOK_RETRY_DELAYS_MS/);
    expect(() => loadConfig({ WORKER_QUEUES: 'generate,urgent' })).toThrow(/WORKER_QUEUES/);
    expect(() => loadConfig({ VIEW_LINK_SECRET: 'too-short-to-sign' })).toThrow(/VIEW_LINK_SECRET: 17 characters/);
    expect(() => loadConfig({ VIEW_LINK_TTL_SECONDS: '10' })).toThrow(/VIEW_LINK_TTL_SECONDS/);
  });

  it('reads the queues a worker takes and the per-key limits', () => {
    expect(loadConfig({}).workerQueues).toEqual(['generate', 'generate-heavy']);
    expect(loadConfig({ WORKER_QUEUES: ' generate-heavy ' }).workerQueues).toEqual(['generate-heavy']);
    expect(loadConfig({})).toMatchObject({ rateLimitClient: 50, rateLimitPlatform: 1000, queuedLimitClient: 1000, queuedLimitPlatform: 100000, heavyJobMs: 1000 });
  });

  it('reads TRUST_PROXY as Express takes it, refusing what Express could not use', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5, 172.16.0.0/255.240.0.0, fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '192.168.1.5', '172.16.0.0/255.240.0.0', 'fd00::/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY="yes please": "yes please" is not/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8, 10.0.0.300' })).toThrow(/"10.0.0.300"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/255.0.255.0' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '-1' })).toThrow(/TRUST_PROXY/);
  });

  it('parses sizes and hides passwords', () => {
    expect(parseBytes('5mb')).toBe(5_242_880);
    expect(parseBytes('1048576')).toBe(1_048_576);
    expect(parseBytes('1.5kb')).toBe(1536);
    expect(parseBytes('lots')).toBeNull();
    expect(redactUrl('redis://:hunter2@redis:6379/0')).toBe('redis://:***@redis:6379/0');
    expect(redactUrl('redis://user:hunter2@redis:6379')).not.toContain('hunter2');
  });

  it('reads REDIS_CLUSTER_NODES, and puts the queues under a hash tag only on a cluster', () => {
    expect(parseClusterNodes('10.0.0.1:7000, 10.0.0.2:7001,redis-3')).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: 'redis-3', port: 6379 }],
      tls: false,
    });
    expect(parseClusterNodes('rediss://app:s%40cret@node-1.example:6380,node-2.example:6380')).toEqual({
      nodes: [{ host: 'node-1.example', port: 6380 }, { host: 'node-2.example', port: 6380 }],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'node-1:7000,http://node-2:7000' })).toThrow(/REDIS_CLUSTER_NODES: entry 2/);
    // The message names the entry, never its password.
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://:hunter2@node-1:port' })).toThrow(/^REDIS_CLUSTER_NODES: entry 1 is not host:port or a redis:\/\/ URL$/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: ' , ' })).toThrow(ConfigError);
    expect(queuePrefix(loadConfig({}))).toBe('dc');
    expect(queuePrefix(loadConfig({ KEY_PREFIX: 'prod', REDIS_CLUSTER_NODES: 'node-1:7000' }))).toBe('{prod}');
  });

  it("the README's Configuration section lists every variable with its default", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    for (const v of CONFIG_VARIABLES) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`${v.env}\` |`));
      expect(row, v.env).toBeDefined();
      const d = defaultText(v);
      if (typeof v.default === 'string') expect(row, v.env).toContain(d === '' ? '(empty)' : `\`${d}\``);
    }
  });
});
