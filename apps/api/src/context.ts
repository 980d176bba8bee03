import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '@defect-candidates/service/config';
import type { RedisClient } from '@defect-candidates/service/redis';
import type { ApiKeyring } from '@defect-candidates/service/auth/keys';
import type { ActionStore } from '@defect-candidates/service/store/actions';
import type { IdempotencyStore } from '@defect-candidates/service/store/idempotency';
import type { GenerateQueue } from '@defect-candidates/service/queues';
import type { FairShare } from '@defect-candidates/service/scheduling/fair-share';
import type { ViewLinks } from '@defect-candidates/service/view-links';
import type { ApiMetrics } from './metrics.ts';
import type { HostChecker } from './host-check.ts';
import type { ArchiveBuilder } from './archives.ts';

/** Everything a route needs, built once per API instance (tests run several in one process). */
export interface ApiContext {
  config: Config;
  logger: Logger;
  /** True once the check threads and the main thread ran their start-up warm-ups (`/readyz`). */
  isWarm(): boolean;
  /** Command connection: fails fast when Redis is away (no offline queue). */
  redis: RedisClient;
  store: ActionStore;
  idempotency: IdempotencyStore;
  /** The `generate` queue (light jobs). */
  queue: GenerateQueue;
  /** The `generate-heavy` queue: jobs estimated too long for the light workers. */
  heavyQueue: GenerateQueue;
  /** Each owner's place in line on both queues: job priorities and the queued-job limit. */
  fairShare: FairShare;
  /** The per-key request-rate limit; mount it after authentication on every route a key calls. */
  rateLimit: RequestHandler;
  /** The per-address request-rate limit of the result pages (`/view/*`), which take no API key. */
  viewRateLimit: RequestHandler;
  keyring: ApiKeyring;
  metrics: ApiMetrics;
  /** Refuses unreadable inline structures and oversized supercells at submission. */
  hostChecker: HostChecker;
  /** Builds archive.zip downloads off the event loop. */
  archives: ArchiveBuilder;
  /** Signs and checks the result pages' links. */
  viewLinks: ViewLinks;
}
