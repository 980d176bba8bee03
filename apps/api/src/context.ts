import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '@defect-candidates/service/config';
import type { RedisClient } from '@defect-candidates/service/redis';
import type { ApiKeyring } from '@defect-candidates/service/auth/keys';
import type { ActionStore } from '@defect-candidates/service/store/actions';
import type { IdempotencyStore } from '@defect-candidates/service/store/idempotency';
import type { ViewLinks } from '@defect-candidates/service/view-links';
import type { GenerateJobData, GenerateJobResult } from '@defect-candidates/service/queues';
import type { ApiMetrics } from './metrics.ts';
import type { HostChecker } from './host-check.ts';

/** Everything a route needs, built once per API instance (tests run several in one process). */
export interface ApiContext {
  config: Config;
  logger: Logger;
  /** Command connection: fails fast when Redis is away (no offline queue). */
  redis: RedisClient;
  store: ActionStore;
  idempotency: IdempotencyStore;
  queue: Queue<GenerateJobData, GenerateJobResult>;
  keyring: ApiKeyring;
  metrics: ApiMetrics;
  /** Refuses unreadable inline structures and oversized supercells at submission. */
  hostChecker: HostChecker;
  /** Signs and checks the result pages' links. */
  viewLinks: ViewLinks;
}
