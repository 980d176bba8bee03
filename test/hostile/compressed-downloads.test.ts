import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION, TEST_COMPRESSIONS, bomb, compress } from '../support/compress.ts';
import { readFixture, structureFixture } from '../support/fixtures.ts';
import { respondWith, startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { deletePrefix, redisUrl, testRedis, uniquePrefix } from '../support/redis.ts';
import { serviceEnv, spawnWorker, startTestApi, stopWorkers, waitForAction, type TestApi, type WorkerHandle } from '../support/service.ts';

// Structure files by URL as calculation archives hold them (CONTCAR.gz, POSCAR.bz2, .xz), and
// decompression bombs: a real HTTP server, the API in this process and a worker process with a
// 1 MiB download limit, which applies to what a file unpacks to as well.

const GENERATE = '/generate-point-defect-candidates';
const MAX_BYTES = 1 << 20;
const poscar = structureFixture('GaN.vasp');

let api: TestApi;
let files: TestHttpServer;
let workers: WorkerHandle[] = [];
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  prefix = uniquePrefix('compressed-downloads');
  const env = serviceEnv({ prefix, redisUrl: await redisUrl(), extra: { DOWNLOAD_MAX_BYTES: String(MAX_BYTES), WORKER_CONCURRENCY: '3' } });
  const routes: Parameters<typeof startHttpServer>[0] = {};
  for (const format of TEST_COMPRESSIONS) {
    routes[`/CONTCAR.${EXTENSION[format]}`] = respondWith(compress(poscar, format), { contentType: 'application/octet-stream' });
    // Four times the limit once unpacked, a few kilobytes as sent.
    routes[`/bomb.${EXTENSION[format]}`] = respondWith(bomb(format, 4 * MAX_BYTES), { contentType: 'application/octet-stream' });
  }
  // Zero bytes after the bzip2 data, as a tape or a block device pads it; and a VASP 4 POSCAR, whose species come with the request.
  routes['/padded.bz2'] = respondWith(Buffer.concat([compress(poscar, 'bzip2'), Buffer.alloc(512)]), { contentType: 'application/octet-stream' });
  routes['/vasp4.gz'] = respondWith(compress(readFixture('bad/vasp4-no-species.vasp'), 'gzip'), { contentType: 'application/octet-stream' });
  const xz = compress(poscar, 'xz');
  routes['/truncated.xz'] = respondWith(xz.subarray(0, xz.length - 12), { contentType: 'application/octet-stream' });
  // A bomb sent as an HTTP content encoding is unpacked by the HTTP client and counted as it arrives.
  routes['/encoded-bomb.vasp'] = (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(gzipSync(Buffer.alloc(4 * MAX_BYTES)));
  };
  files = await startHttpServer(routes);
  [api, ...workers] = await Promise.all([startTestApi(env), spawnWorker(env)]);
  redis = await testRedis();
});

afterAll(async () => {
  await stopWorkers(workers);
  await api?.close();
  await files?.close();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

async function submit(path: string, filename?: string, species?: string[]): Promise<string> {
  const file = { url: `${files.url}${path}`, ...(filename ? { filename } : {}), ...(species ? { species } : {}) };
  const res = await api.call('POST', GENERATE, { body: { file, defect_types: ['vacancy'] } });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

const requestsTo = (path: string) => files.requests.filter((r) => r.path === path).length;

describe('compressed structure files by URL', () => {
  it.each(TEST_COMPRESSIONS)('a %s-compressed CONTCAR is unpacked by the worker and ends success', async (format) => {
    const path = `/CONTCAR.${EXTENSION[format]}`;
    const action = await waitForAction(api, await submit(path, path.slice(1)));
    expect(action.error).toBeUndefined();
    expect(action.status).toBe('success');
    expect(action.response.host.formula).toBe('GaN');
    expect(action.response.candidates.map((c: { name: string }) => c.name).sort()).toEqual(['v_Ga', 'v_N']);
  });

  it.each(TEST_COMPRESSIONS)('a %s bomb ends download_failed at once, saying it unpacks past the limit', async (format) => {
    const path = `/bomb.${EXTENSION[format]}`;
    const action = await waitForAction(api, await submit(path));
    expect(action.status).toBe('error');
    expect(action.error).toMatchObject({ code: 'download_failed', type: 'DownloadError', retryable: false });
    expect(action.error.message).toBe(
      `${files.url}${path}: ${format} data unpacks to more than ${MAX_BYTES} bytes, the limit: refused (a decompression bomb, or a file far larger than a structure)`,
    );
    expect(requestsTo(path)).toBe(1);
  });

  it("bzip2 data padded with zero bytes ends success, the padding named first among the answer's warnings", async () => {
    const action = await waitForAction(api, await submit('/padded.bz2', 'POSCAR.bz2'));
    expect(action.status).toBe('success');
    expect(action.response.host.formula).toBe('GaN');
    expect(action.response.warnings[0]).toBe(`${files.url}/padded.bz2: bzip2 data is followed by 512 zero bytes (padding): ignored, as bzip2 -d does`);
  });

  it('a VASP 4 POSCAR by URL is read with the species given beside its URL', async () => {
    const action = await waitForAction(api, await submit('/vasp4.gz', 'POSCAR.gz', ['Cd', 'Te']));
    expect(action.error).toBeUndefined();
    expect(action.response.host.formula).toBe('CdTe');
  });

  it('truncated compressed data ends download_failed, named as such, without retries', async () => {
    const action = await waitForAction(api, await submit('/truncated.xz'));
    expect(action.error).toMatchObject({ code: 'download_failed', retryable: false, message: `${files.url}/truncated.xz: xz data is truncated` });
    expect(requestsTo('/truncated.xz')).toBe(1);
  });

  it('a gzip content encoding that unpacks past the limit ends download_failed', async () => {
    const action = await waitForAction(api, await submit('/encoded-bomb.vasp'));
    expect(action.error).toMatchObject({ code: 'download_failed', retryable: false });
    expect(action.error.message).toBe(`${files.url}/encoded-bomb.vasp is larger than the limit of ${MAX_BYTES} bytes`);
  });
});
