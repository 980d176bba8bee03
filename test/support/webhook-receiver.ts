import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { verifyWebhook } from '@defect-candidates/service/webhooks/signature';

export interface ReceivedWebhook {
  /** `data.id` of a direct (Standard Webhooks) body, or `ouro_action_id` of a platform one. */
  actionId: string;
  webhookId: string | undefined;
  type: string | undefined;
  status: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A webhook receiver that can go down and come back on the same port (the port is kept), and
 * that groups what it received by action. Answers 200 to every well-formed POST.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.server !== null;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
        try {
          parsed = JSON.parse(body);
        } catch {
          res.writeHead(400).end('not JSON');
          return;
        }
        this.received.push({
          actionId: String(parsed.data?.id ?? parsed.ouro_action_id ?? ''),
          webhookId: req.headers['webhook-id'] as string | undefined,
          type: parsed.type,
          status: parsed.data?.status ?? parsed.status,
          headers: req.headers,
          body,
          at: Date.now(),
        });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Goes down at once: open connections are cut and the port refuses new ones. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Deliveries per action id. */
  byAction(): Map<string, ReceivedWebhook[]> {
    const map = new Map<string, ReceivedWebhook[]>();
    for (const r of this.received) {
      const list = map.get(r.actionId) ?? [];
      list.push(r);
      map.set(r.actionId, list);
    }
    return map;
  }

  /** Whether a direct delivery carries a valid Standard Webhooks signature for `secret`. */
  static signatureValid(r: ReceivedWebhook, secret: string): boolean {
    const h = r.headers;
    if (typeof h['webhook-id'] !== 'string' || typeof h['webhook-timestamp'] !== 'string' || typeof h['webhook-signature'] !== 'string') return false;
    return verifyWebhook(secret, { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] }, r.body, { toleranceSeconds: 3600 });
  }
}
