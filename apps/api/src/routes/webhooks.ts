import { Router, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Principal } from '@defect-candidates/service/auth/keys';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import { listFailedDeliveries, retryDelivery, retryFailedDeliveries, type OperatorContext, type RetryOutcome } from '@defect-candidates/service/webhooks/operator';
import type { DeliveryState } from '@defect-candidates/service/webhooks/state';
import { createDeliveryQueue, type DeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { authenticate, principalOf, requireRole } from '../auth.ts';
import { HttpError, invalidRequest, notFound } from '../errors.ts';
import { ACTION_ID_PATTERN, issuePath } from '../schemas.ts';
import type { ApiContext } from '../context.ts';
import type { ApiPlugin } from '../app.ts';

type BoardOptions = Parameters<typeof createBullBoard>[0];

const seconds = (title: string, description: string) => z.coerce.number().int().min(0).optional().meta({ title, description });

export const FailedQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ title: 'Limit', description: 'Most deliveries returned, 1 to 1000.' }),
  min_age_seconds: seconds('Minimum age', 'Only deliveries that failed at least this many seconds ago.'),
  max_age_seconds: seconds('Maximum age', 'Only deliveries that failed at most this many seconds ago.'),
});

export const RetryQuerySchema = z.strictObject({
  force: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .meta({ title: 'Force', description: 'Deliver again even if the result was already delivered.' }),
});

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw invalidRequest(parsed.error.issues.map((i) => ({ path: `query.${issuePath(i.path)}`.replace(/\.$/, ''), message: i.message })));
  }
  return parsed.data;
}

function ageFilter(q: { min_age_seconds?: number; max_age_seconds?: number }): { minAgeMs?: number; maxAgeMs?: number } {
  return {
    ...(q.min_age_seconds !== undefined ? { minAgeMs: q.min_age_seconds * 1000 } : {}),
    ...(q.max_age_seconds !== undefined ? { maxAgeMs: q.max_age_seconds * 1000 } : {}),
  };
}

/**
 * Webhook operations: the failed-delivery list (operators see all, clients their own) and the
 * operator-only retries. `deliveryQueue` is the `webhooks` queue the retries go onto.
 */
export function webhookRoutes(ctx: ApiContext, deliveryQueue: DeliveryQueue): Router {
  const router = Router();
  const operator: OperatorContext = { store: ctx.store, queue: deliveryQueue, schedule: new RetrySchedule(ctx.config.webhookRetryDelaysMs) };

  router.get('/webhooks/failed', async (req, res) => {
    const q = parseQuery(FailedQuerySchema, req.query);
    const principal: Principal = principalOf(res);
    const deliveries = await listFailedDeliveries(ctx.store, {
      limit: q.limit,
      ...ageFilter(q),
      ...(principal.role === 'operator' ? {} : { owner: principal.name }),
    });
    res.json({ deliveries });
  });

  router.post('/actions/:id/webhook/retry', requireRole('operator'), async (req, res) => {
    const { force } = parseQuery(RetryQuerySchema, req.query);
    const id = req.params.id as string;
    if (!ACTION_ID_PATTERN.test(id)) throw notFound('action');
    const state = retriedState(await retryDelivery(operator, id, { force }), 'finished action');
    req.log?.info({ action_id: id, force }, 'webhook delivery retried by an operator');
    res.status(202).json({ action_id: id, webhook: state });
  });

  router.post('/webhooks/retry-failed', requireRole('operator'), async (req, res) => {
    const q = parseQuery(FailedQuerySchema, req.query);
    const result = await retryFailedDeliveries(operator, { limit: q.limit, ...ageFilter(q) });
    req.log?.info({ retried: result.retried.length, skipped: result.skipped.length }, 'failed webhook deliveries retried by an operator');
    res.status(202).json(result);
  });

  return router;
}

/**
 * The delivery state of a retry that was queued; for any other outcome, the 404 or 409 saying why
 * not. `subject` names what has no such id ("finished action", "completed batch").
 */
export function retriedState(outcome: RetryOutcome, subject: string): DeliveryState {
  switch (outcome.result) {
    case 'not_found':
      throw new HttpError(404, 'not_found', `No ${subject} with this id`);
    case 'no_webhook':
      throw new HttpError(409, 'no_webhook', 'It asked for no webhook: there is nothing to deliver');
    case 'delivered':
      throw new HttpError(409, 'already_delivered', 'The message was already delivered; add ?force=true to send it again');
    case 'in_progress':
      throw new HttpError(409, 'delivery_in_progress', 'A delivery attempt is running right now; retry once it ends');
    case 'queued':
      return outcome.state;
  }
}

/**
 * Operator credentials for the dashboard: the usual `Bearer <operator key>`, or HTTP Basic with
 * the operator key as password, so a browser's login prompt works.
 */
export function operatorDashboardAuth(ctx: ApiContext): RequestHandler {
  const challenge = { 'www-authenticate': 'Basic realm="defect-candidates queues", charset="UTF-8"' };
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = header.slice(0, Math.max(space, 0)).toLowerCase();
    const value = header.slice(space + 1).trim();
    let key = '';
    if (scheme === 'bearer') key = value;
    else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      key = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : '';
    }
    const principal = key ? ctx.keyring.authenticateKey(key) : null;
    if (!principal) return next(new HttpError(401, 'unauthorized', 'The queue dashboard needs an operator key (Bearer, or as the Basic password)', undefined, challenge));
    if (principal.role !== 'operator') return next(new HttpError(403, 'forbidden', 'The queue dashboard needs the operator role'));
    res.locals.principal = principal;
    next();
  };
}

/**
 * bull-board at `basePath`, operators only; every queue is shown read-only (no clean, retry,
 * promote or delete): generation jobs carry only a pointer to the action, and delivery retries go
 * through the endpoints above, which keep the delivery state on the action in step.
 */
export function queueDashboard(ctx: ApiContext, queues: Queue[], basePath = '/admin/queues'): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    // @bull-board/express pins its own copy of @bull-board/api; the two differ only in private members.
    serverAdapter: serverAdapter as unknown as BoardOptions['serverAdapter'],
    options: { uiConfig: { boardTitle: 'defect-candidates' } },
  });
  const router = Router();
  router.use(basePath, operatorDashboardAuth(ctx), serverAdapter.getRouter());
  return router;
}

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const security = [{ bearer: [] }];
const ageParams = [
  { name: 'min_age_seconds', in: 'query', required: false, description: 'Only deliveries that failed at least this many seconds ago.', schema: { type: 'integer', minimum: 0 } },
  { name: 'max_age_seconds', in: 'query', required: false, description: 'Only deliveries that failed at most this many seconds ago.', schema: { type: 'integer', minimum: 0 } },
  { name: 'limit', in: 'query', required: false, description: 'Most deliveries considered, 1 to 1000 (default 100).', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
];

export const WEBHOOK_OPENAPI_PATHS: Record<string, unknown> = {
  '/webhooks/failed': {
    get: {
      operationId: 'list_failed_webhooks',
      summary: 'Failed webhook deliveries',
      description: 'Deliveries that ran out of attempts or were refused by the receiver, newest failure first, each with its last error: actions\' messages and batches\' `batch.completed`. Operators see all; clients their own.',
      security,
      parameters: ageParams,
      responses: { '200': { description: '`{deliveries: [{action_id, batch_id, event, owner, action_status, kind, target, failed_at, attempts, operator_retries, last_error, last_attempt}]}`; `action_id` and `action_status` are null for a batch\'s `batch.completed`, `batch_id` null for an action\'s message.' }, '401': errorRef('No or wrong key.'), '422': errorRef('Bad query.') },
    },
  },
  '/actions/{id}/webhook/retry': {
    post: {
      operationId: 'retry_webhook',
      summary: 'Deliver an action\'s webhook again (operators)',
      description: 'Starts the delivery over with the full retry schedule, now, keeping the message id. 409 when it was already delivered, unless `force=true`.',
      security,
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'The action id.', schema: { type: 'string' } },
        { name: 'force', in: 'query', required: false, description: 'Deliver even if already delivered.', schema: { type: 'boolean' } },
      ],
      responses: {
        '202': { description: 'Queued; the body holds the delivery state.' },
        '401': errorRef('No or wrong key.'),
        '403': errorRef('Not an operator key.'),
        '404': errorRef('No finished action with this id.'),
        '409': errorRef('Already delivered, being attempted right now, or no webhook was asked for.'),
      },
    },
  },
  '/webhooks/retry-failed': {
    post: {
      operationId: 'retry_failed_webhooks',
      summary: 'Retry every failed delivery (operators)',
      description: 'Starts every failed delivery over, actions\' messages and batches\' `batch.completed` alike, optionally only those that failed within an age window.',
      security,
      parameters: ageParams,
      responses: { '202': { description: '`{retried: [action ids], retried_batches: [batch ids], skipped: [{action_id or batch_id, reason}]}`.' }, '401': errorRef('No or wrong key.'), '403': errorRef('Not an operator key.') },
    },
  },
};

/** Mounts the webhook endpoints and the queue dashboard on the API. */
export function webhooksPlugin(): ApiPlugin {
  let queue: DeliveryQueue | null = null;
  return {
    name: 'webhooks',
    openapiPaths: WEBHOOK_OPENAPI_PATHS,
    register(app, ctx) {
      queue = createDeliveryQueue(ctx.config, ctx.redis);
      queue.on('error', (err) => ctx.logger.warn({ err: err.message }, 'webhooks queue error'));
      ctx.metrics.watchQueue(queue);
      app.use('/webhooks', authenticate(ctx.keyring), ctx.rateLimit);
      app.use(webhookRoutes(ctx, queue));
      app.use(queueDashboard(ctx, [ctx.queue, ctx.heavyQueue, queue]));
    },
    async close() {
      await queue?.close();
    },
  };
}
