import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { deflateFile, streamArchive, type DeflatedFile } from '@defect-candidates/service/archive';
import { GENERATE_QUEUE, HEAVY_QUEUE, enqueueGenerations, type GenerationJob, type GenerationQueueName } from '@defect-candidates/service/queues';
import { QueuedLimitError } from '@defect-candidates/service/scheduling/fair-share';
import type { CostRequest } from '@defect-candidates/service/scheduling/cost';
import { assertSafeUrl, isUnsafeUrlError } from '@defect-candidates/service/net/index';
import { BatchStore, MAX_BATCH_ITEMS, type Batch, type BatchMember, type BatchMeta, type InvalidItem } from '@defect-candidates/service/store/batches';
import { IDEMPOTENCY_KEY_PATTERN, fingerprint } from '@defect-candidates/service/store/idempotency';
import { batchLinks, retryBatchDelivery } from '@defect-candidates/service/webhooks/batch';
import { redactWebhookUrl } from '@defect-candidates/service/webhooks/deliver';
import { createDeliveryQueue, type DeliveryQueue } from '@defect-candidates/service/webhooks/queue';
import { RetrySchedule } from '@defect-candidates/service/webhooks/schedule';
import { authenticate, canSee, principalOf, requireRole } from '../auth.ts';
import { HttpError, invalidRequest, notFound } from '../errors.ts';
import { requestBodySchema, toJson } from '../openapi.ts';
import { BATCH_ID_PATTERN, BatchAcceptedSchema, BatchQuerySchema, BatchRequestSchema, BatchSchema, fieldIssues } from '../schemas.ts';
import { jsonBody, type ApiPlugin } from '../app.ts';
import type { ApiContext } from '../context.ts';
import { publicAction } from './actions.ts';
import { BatchStructureChecks, validateItems, type ValidItem } from './batch-items.ts';
import { PLATFORM_ONLY_HEADERS, QUEUED_LIMIT_RETRY_AFTER_S, chooseQueue, header, inputOf, refusePlatformHeaders } from './generate.ts';
import { queuedLimit } from '../limits.ts';
import { RetryQuerySchema, retriedState } from './webhooks.ts';

/** Where batches are submitted; a batch lives at `/batches/:id`. */
export const BATCHES_PATH = '/batches';

/** The id of a batch's item `index`: derived, so that a retried creation makes the same actions. */
export function batchActionId(batchId: string, index: number): string {
  return `${batchId}.${index}`;
}

function batchStatus(batch: Pick<Batch, 'completed_at'>): 'running' | 'completed' {
  return batch.completed_at ? 'completed' : 'running';
}

function accepted(res: Response, ctx: ApiContext, batch: BatchMeta & { completed_at?: string | null }, members: BatchMember[], replayed: boolean): void {
  const links = batchLinks(ctx.config.publicUrl, batch.id);
  res.setHeader('location', links.self);
  if (replayed) res.setHeader('idempotent-replayed', 'true');
  res.status(202).json({
    id: batch.id,
    status: batchStatus({ completed_at: batch.completed_at ?? null }),
    created_at: batch.created_at,
    items: batch.items,
    actions: members,
    invalid: batch.invalid,
    links,
  });
}

/** `GET /batches/:id` pages: the cursor is the offset of the next action, opaque to clients. */
function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^o:(\d{1,7})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalidRequest([{ path: 'query.cursor', message: 'cursor is not one this API returned' }]);
  return Number(m[1]);
}

/** A valid item with the generation queue its job goes to and its priority there (FairShare). */
interface PlannedItem {
  item: ValidItem;
  queue: GenerationQueueName;
  priority: number;
}

/** What the batch routes need beside the API context, built once by `batchesPlugin`. */
export interface BatchRouteDeps {
  batches: BatchStore;
  checks: BatchStructureChecks;
  /** The `webhooks` queue, for operators' retries of `batch.completed`. */
  deliveryQueue: DeliveryQueue;
}

/**
 * `POST /batches`, `GET /batches/:id`, its archive and the operators' webhook retry. A batch is a
 * record (BatchStore) listing ordinary actions, each created, queued, processed and delivered as a
 * single request's would be; workers count their ends on the batch and send `batch.completed`.
 */
export function batchRoutes(ctx: ApiContext, deps: BatchRouteDeps): Router {
  const { batches } = deps;
  const router = Router();

  /** The batch if the caller may see it; 404 otherwise, as for actions. */
  async function visibleBatch(res: Response, id: string): Promise<Batch> {
    if (!BATCH_ID_PATTERN.test(id)) throw notFound('batch');
    const batch = await batches.get(id);
    if (!batch || !canSee(principalOf(res), batch.owner)) throw notFound('batch');
    return batch;
  }

  const queues = { [GENERATE_QUEUE]: ctx.queue, [HEAVY_QUEUE]: ctx.heavyQueue };

  /**
   * Creates the batch, its actions and their jobs, each job on its item's queue with the priority
   * its admission gave it; on failure takes back what it wrote and throws.
   */
  async function create(meta: BatchMeta, items: PlannedItem[], members: BatchMember[]): Promise<boolean> {
    if (!(await batches.create(meta, members))) return false;
    const actionWebhook = meta.action_webhooks ? meta.webhook_url : undefined;
    const inits = items.map(({ item, queue }, i) => ({
      init: {
        id: members[i].id,
        owner: meta.owner,
        parameters: item.parameters,
        input: inputOf(item.envelope),
        batch_id: meta.id,
        created_at: meta.created_at,
        queue,
        request_fingerprint: item.fingerprint,
        ...(actionWebhook ? { webhook_url: actionWebhook } : {}),
      },
      ...(item.envelope.structure ? { inputContent: item.envelope.structure.content } : {}),
    }));
    try {
      await ctx.store.createMany(inits);
      await enqueueGenerations(queues, ctx.config, items.map(({ queue, priority }, i) => ({ actionId: members[i].id, queue, priority })));
    } catch (err) {
      // Without their jobs the actions would wait forever: take everything back, let the client retry.
      await ctx.store.removeMany(members.map((m) => ({ id: m.id, owner: meta.owner, created_at: meta.created_at }))).catch(() => undefined);
      await batches.remove(meta.id).catch(() => undefined);
      throw err;
    }
    return true;
  }

  /**
   * A batch asked for again (same Idempotency-Key and body): queue any job that was lost, on its
   * action's queue and in its owner's line (no limit: they were counted when first admitted), and
   * answer as before.
   */
  async function replay(res: Response, batch: Batch): Promise<void> {
    const members = await batches.members(batch.id);
    const statuses = await batches.statuses(members);
    const waiting = members.filter((_, i) => statuses[i] === 'queued');
    const actions = await ctx.store.getMany(waiting.map((m) => m.id));
    const lines = waiting.flatMap((m, i) => (actions[i] ? [{ actionId: m.id, queue: actions[i].queue ?? GENERATE_QUEUE }] : []));
    const admissions = await ctx.fairShare.admitMany(batch.owner, lines);
    await enqueueGenerations(queues, ctx.config, lines.map((line, i): GenerationJob => ({ ...line, priority: admissions[i].priority })));
    ctx.metrics.submissions.inc({ outcome: 'replayed' }, members.length);
    accepted(res, ctx, batch, members, true);
  }

  router.post(BATCHES_PATH, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    if (req.body === undefined || !req.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'Send the request as JSON with `Content-Type: application/json`');
    }
    const body = req.body as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest([{ path: '', message: 'the body must be a JSON object' }]);
    // From a direct client, the same 403 as a single request's; from the platform, a field error:
    // a batch's actions get ids from us, so the platform's own headers have nothing to say here.
    refusePlatformHeaders(req, principal);
    const platformHeaders = PLATFORM_ONLY_HEADERS.filter((h) => header(req, h) !== undefined);
    if (platformHeaders.length > 0) {
      throw invalidRequest(platformHeaders.map((h) => ({ path: `headers.${h}`, message: 'not taken by batches: their actions get ids from us, and webhook_url in the body says where results go' })));
    }
    const idempotencyKey = header(req, 'idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw invalidRequest([{ path: 'headers.idempotency-key', message: 'must be 1-255 visible ASCII characters' }]);
    }
    const parsed = BatchRequestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(fieldIssues(parsed.error.issues));
    const request = parsed.data;
    if (request.webhook_url !== undefined) {
      try {
        assertSafeUrl(request.webhook_url, { allowPrivate: ctx.config.allowPrivateUrls });
      } catch (err) {
        if (!isUnsafeUrlError(err)) throw err;
        throw invalidRequest([{ path: 'webhook_url', message: (err as Error).message }]);
      }
    }

    const { valid: fieldsValid, invalid } = await validateItems(request.items, request.defaults ?? {}, ctx.config.allowPrivateUrls);
    const { refused, unchecked, verdicts } = await deps.checks.check(fieldsValid, principal.name);
    if (unchecked > 0) req.log.warn({ unchecked }, 'inline items accepted unchecked; the workers will check them');
    const refusedAt = new Set(refused.map((r) => r.index));
    const valid = fieldsValid.filter((item) => !refusedAt.has(item.index));
    const allInvalid: InvalidItem[] = [...invalid, ...refused].sort((a, b) => a.index - b.index);
    if (allInvalid.length > 0 && (request.atomic || valid.length === 0)) {
      ctx.metrics.submissions.inc({ outcome: 'rejected' }, request.items.length);
      const why = request.atomic ? 'atomic batch' : 'no valid item';
      const issues = allInvalid.flatMap((item) => item.issues.map((i) => ({ path: `items.${item.index}${i.path ? `.${i.path}` : ''}`, message: i.message })));
      throw new HttpError(422, 'invalid_request', `${allInvalid.length} invalid item${allInvalid.length === 1 ? '' : 's'} (${why}): ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
    }

    let id: string = randomUUID();
    let claimed = false;
    if (idempotencyKey !== undefined) {
      // A namespace of their own: a key used for a single request and for a batch are two keys.
      const outcome = await ctx.idempotency.claim(principal.name, `batch:${idempotencyKey}`, fingerprint(body), id);
      if (outcome.kind === 'mismatch') {
        ctx.metrics.submissions.inc({ outcome: 'rejected' }, request.items.length);
        throw new HttpError(422, 'idempotency_key_reused', `This Idempotency-Key was already used with a different body (batch ${outcome.actionId}); use a new key for a new request`);
      }
      id = outcome.actionId;
      if (outcome.kind === 'replay') {
        const existing = await batches.get(id);
        if (existing) return replay(res, existing);
        // The first request is still creating it, or failed and could not release the key: create
        // it here under the same id (its action ids derive from it, so nothing is made twice).
      } else {
        claimed = true;
      }
    }

    const meta: BatchMeta = {
      id,
      owner: principal.name,
      created_at: new Date().toISOString(),
      items: request.items.length,
      total: valid.length,
      invalid: allInvalid,
      ...(request.webhook_url ? { webhook_url: request.webhook_url } : {}),
      action_webhooks: request.action_webhooks,
    };
    const members = valid.map((item) => ({ index: item.index, id: batchActionId(id, item.index) }));
    const releaseKey = async () => {
      if (claimed) await ctx.idempotency.release(principal.name, `batch:${idempotencyKey}`, id).catch(() => undefined);
    };
    // Each item's queue from its check, as a single request's; all take their places in their
    // owner's line together, or none when they would take the key over its queued-job limit.
    const routes = valid.map((item) => chooseQueue(verdicts.get(item.index) ?? null, item.parameters as unknown as CostRequest, ctx.config.heavyJobMs).queue);
    let admissions;
    try {
      admissions = await ctx.fairShare.admitMany(principal.name, routes.map((queue, i) => ({ queue, actionId: members[i].id })), queuedLimit(ctx.config, principal));
    } catch (err) {
      await releaseKey();
      if (!(err instanceof QueuedLimitError)) throw err;
      ctx.metrics.submissions.inc({ outcome: 'rejected' }, request.items.length);
      throw new HttpError(429, 'too_many_queued', err.message, undefined, { 'retry-after': String(QUEUED_LIMIT_RETRY_AFTER_S) });
    }
    const planned: PlannedItem[] = valid.map((item, i) => ({ item, queue: routes[i], priority: admissions[i].priority }));
    const leaveLine = async () => {
      await Promise.all(planned.map((p, i) => (admissions[i].added ? ctx.fairShare.forget(principal.name, p.queue, members[i].id) : null))).catch(() => undefined);
    };
    let created: boolean;
    try {
      created = await create(meta, planned, members);
    } catch (err) {
      await leaveLine();
      await releaseKey();
      throw err;
    }
    if (!created) {
      // Another request with the same key created it meanwhile (its items are in line already).
      await leaveLine();
      const existing = await batches.get(id);
      if (!existing) throw new HttpError(409, 'conflict', 'This batch is being created by another request; retry shortly', undefined, { 'retry-after': '1' });
      return replay(res, existing);
    }
    ctx.metrics.submissions.inc({ outcome: 'accepted' }, valid.length);
    if (allInvalid.length > 0) ctx.metrics.submissions.inc({ outcome: 'rejected' }, allInvalid.length);
    req.log.info({ batch_id: id, accepted: valid.length, invalid: allInvalid.length }, 'batch accepted');
    accepted(res, ctx, meta, members, false);
  });

  router.get(`${BATCHES_PATH}/:id`, async (req, res) => {
    const parsed = BatchQuerySchema.safeParse(req.query);
    if (!parsed.success) throw invalidRequest(fieldIssues(parsed.error.issues, 'query'));
    const batch = await visibleBatch(res, req.params.id);
    const offset = parsed.data.cursor ? decodeCursor(parsed.data.cursor) : 0;
    // The counts are kept on the batch as its actions change status: only the page's actions are read.
    const page = await batches.members(batch.id, offset, parsed.data.limit);
    const counts = batch.counts ?? BatchStore.count(await batches.statuses(await batches.members(batch.id)));
    const actions = await ctx.store.getMany(page.map((m) => m.id));
    const viewLink = await ctx.viewLinks.signer();
    const nextOffset = offset + page.length < batch.total ? offset + page.length : null;
    const links = batchLinks(ctx.config.publicUrl, batch.id);
    const nextCursor = nextOffset === null ? null : encodeCursor(nextOffset);
    const { ended: _ended, total: _total, counts: _counts, ...visible } = batch;
    res.json({
      ...visible,
      ...(batch.webhook_url ? { webhook_url: redactWebhookUrl(batch.webhook_url) } : {}),
      status: batchStatus(batch),
      counts,
      actions: page.flatMap((m, i) => (actions[i] ? [{ index: m.index, ...publicAction(actions[i], ctx.config.publicUrl, viewLink(actions[i].id)) }] : [])),
      next_cursor: nextCursor,
      links: { ...links, next: nextCursor ? `${links.self}?${new URLSearchParams({ limit: String(parsed.data.limit), cursor: nextCursor })}` : null },
    });
  });

  router.get(`${BATCHES_PATH}/:id/archive.zip`, async (req, res) => {
    const batch = await visibleBatch(res, req.params.id);
    const members = await batches.members(batch.id);
    const statuses = await batches.statuses(members);
    const done = members.filter((_, i) => statuses[i] === 'success');
    if (done.length === 0) throw new HttpError(409, 'not_ready', `The batch has no archive yet: none of its ${members.length} actions has succeeded`);
    const width = String(batch.items - 1).length;
    const folders = new Map<string, string>();
    // Each item is decompressed, parsed and deflated in a thread; here its files are only framed.
    async function* parts(): AsyncGenerator<DeflatedFile[]> {
      for (const member of done) {
        if (res.destroyed) return;
        const gzip = await ctx.store.getResponseGzip(member.id);
        if (!gzip) continue;
        const item = await ctx.archives.batchItem({ gzip, label: String(member.index).padStart(width, '0') });
        folders.set(member.id, item.folder);
        yield item.files;
      }
    }
    // What went in, at the end: every item, its action and status, and its folder when it has one.
    const manifest = () => [
      deflateFile(
        'batch.json',
        `${JSON.stringify(
          {
            batch_id: batch.id,
            created_at: batch.created_at,
            items: members.map((m, i) => ({ index: m.index, action_id: m.id, status: statuses[i], folder: folders.get(m.id) ?? null })),
            invalid: batch.invalid.map((item) => item.index),
          },
          null,
          2,
        )}\n`,
      ),
    ];
    const write = (chunk: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        if (res.destroyed) return reject(new Error('the client went away'));
        if (res.write(chunk)) resolve();
        else res.once('drain', resolve);
      });
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-disposition', `attachment; filename="batch_${batch.id}.zip"`);
    try {
      await streamArchive(parts(), manifest, write);
    } catch (err) {
      // Once bytes went out no error answer can follow: the client sees a cut-off download.
      if (res.headersSent) {
        req.log.error({ err }, 'batch archive cut off');
        res.destroy();
        return;
      }
      throw err;
    }
    res.end();
  });

  router.post(`${BATCHES_PATH}/:id/webhook/retry`, requireRole('operator'), async (req, res) => {
    const query = RetryQuerySchema.safeParse(req.query);
    if (!query.success) throw invalidRequest(fieldIssues(query.error.issues, 'query'));
    const { force } = query.data;
    const id = req.params.id as string;
    if (!BATCH_ID_PATTERN.test(id)) throw notFound('batch');
    const outcome = await retryBatchDelivery({ batches, queue: deps.deliveryQueue, schedule: new RetrySchedule(ctx.config.webhookRetryDelaysMs) }, id, { force });
    const state = retriedState(outcome, 'completed batch');
    req.log?.info({ batch_id: id, force }, 'batch webhook retried by an operator');
    res.status(202).json({ batch_id: id, webhook: state });
  });

  return router;
}

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const security = [{ bearer: [] }, { ouro: [] }];
const idParam = { name: 'id', in: 'path', required: true, description: 'The batch id.', schema: { type: 'string' } };

/** The batch endpoints in the published OpenAPI document. */
export function batchOpenApiPaths(): Record<string, unknown> {
  const single = requestBodySchema();
  const { webhook_url: _webhookUrl, file, structure, ...fields } = single.properties ?? {};
  const item = {
    type: 'object',
    title: 'Batch item',
    description: 'One structure, `file` or `structure`, with any request fields of its own (they win over `defaults`); no `webhook_url`.',
    properties: { file, structure, ...fields },
    additionalProperties: false,
    oneOf: [{ required: ['file'] }, { required: ['structure'] }],
  };
  const body = toJson(BatchRequestSchema, 'input') as { properties: Record<string, Record<string, unknown>> };
  body.properties.items = { ...body.properties.items, items: item };
  body.properties.defaults = { ...body.properties.defaults, type: 'object', properties: fields, additionalProperties: false };
  return {
    [BATCHES_PATH]: {
      post: {
        operationId: 'create_batch',
        summary: 'Submit many structures at once',
        description:
          `Up to ${MAX_BATCH_ITEMS} items, each becoming an action as a single request would, with \`defaults\` for their shared request fields. ` +
          'Answers 202 with one action per valid item and the invalid items with their field errors; with `atomic: true` one invalid item refuses the whole batch (422). ' +
          'Inline structures are checked at submission within HOST_CHECK_TIMEOUT_MS for the whole batch; those not checked by then are checked by the workers. ' +
          'An `Idempotency-Key` makes retries safe, as for single requests. `batch.completed` goes to `webhook_url` once every action has ended.',
        security,
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key and body within 24 h return the same batch; another body is refused (422).', schema: { type: 'string', maxLength: 255 } }],
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
        responses: {
          '202': { description: 'Accepted: the valid items are queued.', content: { 'application/json': { schema: toJson(BatchAcceptedSchema) } } },
          '400': errorRef('Malformed JSON, or JSON nested deeper than 64 levels.'),
          '401': errorRef('No or wrong key.'),
          '403': errorRef('`ouro-*` headers from a caller other than the Ouro platform (as for single requests).'),
          '409': errorRef('The same Idempotency-Key is being used by a request still creating its batch.'),
          '413': errorRef('The body is larger than BODY_LIMIT, or holds more than 100,000 JSON values.'),
          '415': errorRef('The body is not JSON.'),
          '422': errorRef('Invalid batch fields or defaults, no valid item, or an invalid item in an atomic batch; `issues` lists each (`items.<index>.<field>`).'),
          '429': errorRef('Over the per-key request rate (`rate_limited`), or the valid items would take the key over its queued-action limit (`too_many_queued`; none is queued); see `Retry-After`.'),
          '503': errorRef('Redis is unavailable; retry shortly.'),
        },
      },
    },
    [`${BATCHES_PATH}/{id}`]: {
      get: {
        operationId: 'get_batch',
        summary: 'Get a batch',
        description: 'Counts of its actions by status and a page of its actions in item order. Another client\'s batch is a 404.',
        security,
        parameters: [
          idParam,
          { name: 'limit', in: 'query', required: false, description: `Actions per page, 1 to ${MAX_BATCH_ITEMS} (default 100).`, schema: { type: 'integer', minimum: 1, maximum: MAX_BATCH_ITEMS } },
          { name: 'cursor', in: 'query', required: false, description: '`next_cursor` from the previous page.', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'The batch.', content: { 'application/json': { schema: toJson(BatchSchema) } } }, '401': errorRef('No or wrong key.'), '404': errorRef('No such batch (or not yours).'), '422': errorRef('Bad query.') },
      },
    },
    [`${BATCHES_PATH}/{id}/archive.zip`]: {
      get: {
        operationId: 'get_batch_archive',
        summary: 'Download every successful item\'s structures',
        description: 'A zip with one folder per successful item (`<index>_<formula>/`, laid out as an action\'s archive) and `batch.json` listing every item, its action, status and folder. Streamed as it is built.',
        security,
        parameters: [idParam],
        responses: {
          '200': { description: 'The archive.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
          '401': errorRef('No or wrong key.'),
          '404': errorRef('No such batch (or not yours).'),
          '409': errorRef('No item has succeeded yet.'),
        },
      },
    },
    [`${BATCHES_PATH}/{id}/webhook/retry`]: {
      post: {
        operationId: 'retry_batch_webhook',
        summary: 'Deliver a batch\'s batch.completed again (operators)',
        description: 'Starts the delivery over with the full retry schedule, now, keeping the message id. 409 when it was already delivered, unless `force=true`.',
        security: [{ bearer: [] }],
        parameters: [idParam, { name: 'force', in: 'query', required: false, description: 'Deliver even if already delivered.', schema: { type: 'boolean' } }],
        responses: {
          '202': { description: 'Queued; the body holds the delivery state.' },
          '401': errorRef('No or wrong key.'),
          '403': errorRef('Not an operator key.'),
          '404': errorRef('No completed batch with this id.'),
          '409': errorRef('Already delivered, being attempted right now, or no webhook was asked for.'),
        },
      },
    },
  };
}

/** Mounts the batch endpoints on the API. */
export function batchesPlugin(): ApiPlugin {
  let queue: DeliveryQueue | null = null;
  return {
    name: 'batches',
    openapiPaths: batchOpenApiPaths(),
    register(app, ctx) {
      queue = createDeliveryQueue(ctx.config, ctx.redis);
      queue.on('error', (err) => ctx.logger.warn({ err: err.message }, 'webhooks queue error'));
      ctx.metrics.watchQueue(queue);
      const batches = new BatchStore(ctx.redis, { prefix: ctx.config.keyPrefix, ttlSeconds: ctx.config.actionTtlSeconds });
      // One check thread is always left to single requests (when there are two or more).
      const checks = new BatchStructureChecks(ctx.hostChecker, ctx.config.hostCheckThreads - 1, ctx.config.hostCheckTimeoutMs);
      app.use(BATCHES_PATH, authenticate(ctx.keyring), ctx.rateLimit, jsonBody(ctx.config.bodyLimitBytes));
      app.use(batchRoutes(ctx, { batches, checks, deliveryQueue: queue }));
    },
    async close() {
      await queue?.close();
    },
  };
}
