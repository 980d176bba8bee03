import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { generate, type DefectAnswer } from '@defect-candidates/core';
import { loadConfig, type Config } from '@defect-candidates/service/config';
import { createLogger } from '@defect-candidates/service/logger';
import { createRedis, type RedisClient } from '@defect-candidates/service/redis';
import { ActionStore, type ActionError, type PlatformContext } from '@defect-candidates/service/store/actions';
import { createDeliveryQueue, type DeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { registerWebhookDelivery } from '@defect-candidates/service/webhooks/hook';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import type { DeliveryState } from '@defect-candidates/service/webhooks/state';
import { startApi, type RunningApi } from '../../apps/api/src/app.ts';
import { webhooksPlugin } from '../../apps/api/src/routes/webhooks.ts';
import { structureFixture } from '../support/fixtures.ts';
import { deletePrefix, redisUrl, uniquePrefix } from '../support/redis.ts';
import { startDeliveryWorker, type DeliveryWorker } from '../../apps/worker/src/delivery/worker.ts';


export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = (req: ReceivedRequest, res: ServerResponse, index: number) => void;

/** A real HTTP receiver on localhost that records every request and answers with `reply`. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | null = null;
  port = 0;

  constructor(public reply: Reply = (_r, res) => res.writeHead(200).end('ok')) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const received = { path: req.url ?? '/', headers: req.headers, body };
      this.requests.push(received);
      this.reply(received, res, this.requests.length - 1);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  hits(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = null;
  }
}

/** A port nothing listens on (taken and released at once). */
export async function freePort(): Promise<number> {
  const probe = await new Receiver().start();
  const { port } = probe;
  await probe.stop();
  return port;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

let cachedAnswer: DefectAnswer | null = null;
/** CdTe's vacancies and substitutions (with a dopant): a real answer, made once per file. */
export function cdteAnswer(): DefectAnswer {
  cachedAnswer ??= generate(
    { content: structureFixture('CdTe.cif'), filename: 'CdTe.cif' },
    { defect_types: ['vacancy', 'substitution'], dopant_elements: ['Zn'], output_formats: ['poscar', 'cif'] },
  );
  return cachedAnswer;
}

export const KEYS = {
  alice: 'alice-key-0001',
  bob: 'bob-key-00002',
  ops: 'ops-key-00003',
  platform: 'ouro-service-secret',
};

/**
 * One webhook deployment under its own key prefix: an API with the webhook plugin, a store whose
 * finished actions queue deliveries, and a delivery worker.
 */
export class WebhookEnv {
  config!: Config;
  api!: RunningApi;
  store!: ActionStore;
  queue!: DeliveryQueue;
  worker!: DeliveryWorker;
  private redis!: RedisClient;
  private workerRedis!: RedisClient;
  private unregister: () => void = () => undefined;
  readonly aliceSecret = newWebhookSecret();

  static async start(overrides: Partial<Config> = {}): Promise<WebhookEnv> {
    const env = new WebhookEnv();
    await env.init(overrides);
    return env;
  }

  private async init(overrides: Partial<Config>): Promise<void> {
    this.config = loadConfig(
      { REDIS_URL: await redisUrl() },
      {
        keyPrefix: uniquePrefix('webhooks'),
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        apiKeys: `alice:client:${KEYS.alice}:${this.aliceSecret},bob:client:${KEYS.bob},ops:operator:${KEYS.ops}`,
        ouroServiceSecret: KEYS.platform,
        allowPrivateUrls: true,
        webhookRetryDelaysMs: [0, 300, 300, 300],
        rateLimitClient: 0,
        rateLimitPlatform: 0,
        webhookTimeoutMs: 2000,
        ...overrides,
      },
    );
    this.redis = createRedis(this.config, 'worker', 'test-store');
    this.workerRedis = createRedis(this.config, 'worker', 'test-delivery');
    this.store = new ActionStore(this.redis, { prefix: this.config.keyPrefix, ttlSeconds: this.config.actionTtlSeconds });
    this.queue = createDeliveryQueue(this.config, this.redis);
    this.unregister = registerWebhookDelivery(this.store, this.queue, new RetrySchedule(this.config.webhookRetryDelaysMs));
    this.worker = startDeliveryWorker({ config: this.config, logger: createLogger({ level: 'silent', name: 'test' }), connection: this.workerRedis });
    this.api = await startApi({ config: this.config, plugins: [webhooksPlugin()] });
  }

  /** Records an action as the generation worker would, from creation to its end. */
  async finishAction(options: { owner?: string; webhook_url?: string; platform?: PlatformContext; error?: ActionError; answer?: DefectAnswer }): Promise<string> {
    const id = options.platform?.action_id ?? randomUUID();
    await this.store.create({
      id,
      owner: options.owner ?? 'alice',
      parameters: {},
      input: { kind: 'inline' },
      ...(options.webhook_url ? { webhook_url: options.webhook_url } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
    });
    await this.store.markStarted(id);
    if (options.error) await this.store.fail(id, options.error);
    else await this.store.complete(id, options.answer ?? cdteAnswer());
    return id;
  }

  async webhook(id: string): Promise<DeliveryState | null> {
    return (await this.store.getWebhook(id)) as DeliveryState | null;
  }

  /** Waits until the delivery reached `state` and its job stopped moving. */
  async settled(id: string, state: 'delivered' | 'failed'): Promise<DeliveryState> {
    return waitFor(`delivery of ${id} to be ${state}`, async () => {
      const w = await this.webhook(id);
      if (w?.state !== state) return null;
      const job = await this.queue.getJob(`deliver-${id}`);
      const jobState = job ? await job.getState() : 'gone';
      return ['completed', 'failed', 'gone'].includes(jobState) ? w : null;
    });
  }

  fetch(path: string, init: { method?: string; key?: string; authorization?: string } = {}): Promise<Response> {
    const authorization = init.authorization ?? (init.key ? `Bearer ${init.key}` : undefined);
    return fetch(`${this.api.url}${path}`, { method: init.method ?? 'GET', headers: authorization ? { authorization } : {} });
  }

  /** The parsed JSON answer of a request (tests look into it freely). */
  async json(path: string, init: { method?: string; key?: string; authorization?: string } = {}): Promise<any> {
    return (await this.fetch(path, init)).json();
  }

  async stop(): Promise<void> {
    this.unregister();
    await this.worker.close();
    await this.api.close();
    await this.queue.close();
    await deletePrefix(this.redis, this.config.keyPrefix);
    this.redis.disconnect();
    this.workerRedis.disconnect();
  }
}
