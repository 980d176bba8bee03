import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown;

export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Adds or replaces the handler of `path` (exact match on the path, query ignored). */
  route(path: string, handler: Handler): void;
  /** Resolves when a request to `path` has arrived (already or later). */
  waitForRequest(path: string, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/**
 * A local HTTP server for tests: serves fixture files, plays webhook receivers or slow and
 * failing hosts, and records every request it got (with its body).
 */
export async function startHttpServer(routes: Record<string, Handler> = {}): Promise<TestHttpServer> {
  const handlers = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const waiters: { path: string; resolve: (r: RecordedRequest) => void }[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(record);
      for (const w of waiters.filter((w) => w.path === path)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(record);
      }
      const handler = handlers.get(path);
      if (!handler) {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      Promise.resolve(handler(req, res, record.body)).catch((err: Error) => {
        if (!res.headersSent) res.statusCode = 500;
        res.end(err.message);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route(path, handler) {
      handlers.set(path, handler);
    },
    waitForRequest(path, timeoutMs = 15_000) {
      const seen = requests.find((r) => r.path === path);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no request to ${path} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          path,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A handler that answers with `body` after `delayMs`. */
export function respondWith(body: string | Buffer, options: { status?: number; delayMs?: number; contentType?: string } = {}): Handler {
  return async (_req, res) => {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (res.destroyed) return;
    res.statusCode = options.status ?? 200;
    res.setHeader('content-type', options.contentType ?? 'text/plain');
    res.end(body);
  };
}
