import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeHttp } from './http.ts';
import { isUnsafeUrlError } from './errors.ts';

let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/target' }).end();
    } else if (req.url === '/fail') {
      res.writeHead(500).end('boom');
    } else if (req.url === '/hang') {
      // never answers: the client's timeout must end the request
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createSafeHttp', () => {
  it('refuses loopback targets by literal and by name, before anything is sent', async () => {
    const http = createSafeHttp({ allowPrivate: false });
    const before = hits.length;
    const port = new URL(base).port;
    for (const url of [`${base}/a`, `http://localhost:${port}/b`, `http://[::ffff:127.0.0.1]:${port}/c`]) {
      const error = await http.get(url).catch((e: unknown) => e);
      expect(isUnsafeUrlError(error), String(error)).toBe(true);
    }
    expect(hits.length).toBe(before);
  });

  it('resolves names through the refusing lookup', async () => {
    const lookup = createSafeHttp({ allowPrivate: false }).defaults.options.dnsLookup;
    expect(lookup).toBeTypeOf('function');
    const error = await new Promise<unknown>((resolve) => lookup!('localhost', { all: true }, (e) => resolve(e)));
    expect(isUnsafeUrlError(error)).toBe(true);
  });

  it('reaches a local server when private URLs are allowed', async () => {
    const http = createSafeHttp({ allowPrivate: true });
    expect(await http.get(`${base}/hello`).text()).toBe('ok');
    const named = await http.get(`http://localhost:${new URL(base).port}/named`).text();
    expect(named).toBe('ok');
  });

  it('does not follow redirects', async () => {
    const http = createSafeHttp({ allowPrivate: true });
    const response = await http.get(`${base}/redirect`, { throwHttpErrors: false });
    expect(response.statusCode).toBe(302);
    expect(hits).not.toContain('/target');
  });

  it('does not retry a failed request', async () => {
    const http = createSafeHttp({ allowPrivate: true });
    const before = hits.filter((h) => h === '/fail').length;
    const response = await http.post(`${base}/fail`, { throwHttpErrors: false, body: 'x' });
    expect(response.statusCode).toBe(500);
    await expect(http.get(`${base}/fail`)).rejects.toMatchObject({ name: 'HTTPError' });
    expect(hits.filter((h) => h === '/fail').length - before).toBe(2);
  });

  it('gives up on a server that never answers', async () => {
    const http = createSafeHttp({ allowPrivate: true, timeoutMs: 200 });
    await expect(http.get(`${base}/hang`)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
