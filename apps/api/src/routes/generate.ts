import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { RequestError, parseRequest } from '@defect-candidates/core';
import type { Action, ActionInput, PlatformContext } from '@defect-candidates/service/store/actions';
import { IDEMPOTENCY_KEY_PATTERN, fingerprint } from '@defect-candidates/service/store/idempotency';
import { GENERATE_QUEUE, HEAVY_QUEUE, enqueueGeneration, type GenerationQueueName } from '@defect-candidates/service/queues';
import { estimateJobMs, isHeavy, type CostRequest } from '@defect-candidates/service/scheduling/cost';
import { QueuedLimitError } from '@defect-candidates/service/scheduling/fair-share';
import { assertSafeUrl, isUnsafeUrlError } from '@defect-candidates/service/net/index';
import type { Principal } from '@defect-candidates/service/auth/keys';
import { principalOf } from '../auth.ts';
import { HttpError, invalidRequest, type FieldIssue } from '../errors.ts';
import type { HostVerdict } from '../host-check.ts';
import { queuedLimit } from '../limits.ts';
import { ACTION_ID_PATTERN, SubmissionEnvelopeSchema, fieldIssues, type SubmissionEnvelope } from '../schemas.ts';
import { actionLinks } from './links.ts';
import type { ApiContext } from '../context.ts';

export const GENERATE_PATH = '/generate-point-defect-candidates';

/** Headers only the Ouro platform may send (batches take none of them). */
export const PLATFORM_ONLY_HEADERS = ['ouro-action-id', 'ouro-webhook-url', 'ouro-webhook-token'];

/** Seconds a caller over its queued-job limit is told to wait: about how long a few jobs take to start. */
export const QUEUED_LIMIT_RETRY_AFTER_S = 5;

/**
 * Which generation queue a job goes to. An inline structure was checked at submission: its cost is
 * estimated from the counts the check learnt (atoms, orbits, supercell) and the request, and a job
 * above HEAVY_JOB_MS goes to `generate-heavy`, as does one whose analysis alone outran the check's
 * time limit (it has no counts, and is known slow). A structure given by URL (or one not checked
 * only because the check had to wait) has no estimate yet: it goes to `generate`, whose worker
 * estimates it the same way once it has the structure, and moves it at once if heavy.
 */
export function chooseQueue(verdict: HostVerdict | null, parameters: CostRequest, heavyJobMs: number): { queue: GenerationQueueName; estimateMs: number | null } {
  if (verdict?.checked) {
    const estimateMs = Math.round(estimateJobMs(verdict.host, parameters));
    return { queue: isHeavy(estimateMs, heavyJobMs) ? HEAVY_QUEUE : GENERATE_QUEUE, estimateMs };
  }
  return { queue: verdict?.slow ? HEAVY_QUEUE : GENERATE_QUEUE, estimateMs: null };
}

/** A request header's first value; undefined when absent or empty. */
export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/**
 * Refuses `ouro-*` headers from anyone but the platform (403 `forbidden`, the headers named): the
 * same fault gets the same answer on every route that takes submissions.
 */
export function refusePlatformHeaders(req: Request, principal: Principal): void {
  if (principal.role === 'platform') return;
  const sent = PLATFORM_ONLY_HEADERS.filter((h) => header(req, h) !== undefined);
  if (sent.length > 0) throw new HttpError(403, 'forbidden', `Only the Ouro platform may send ${sent.join(', ')}; direct clients get an id from us and use \`webhook_url\``);
}

/** The `ouro-*` headers, checked: only the platform may choose an action id or a webhook token. */
function platformContext(req: Request, principal: Principal): PlatformContext | undefined {
  if (principal.role !== 'platform') {
    refusePlatformHeaders(req, principal);
    return undefined;
  }
  const actionId = header(req, 'ouro-action-id');
  const issues: FieldIssue[] = [];
  if (actionId !== undefined && !ACTION_ID_PATTERN.test(actionId)) {
    issues.push({ path: 'headers.ouro-action-id', message: 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit' });
  }
  const webhookUrl = header(req, 'ouro-webhook-url');
  if (webhookUrl !== undefined && !/^https?:\/\//i.test(webhookUrl)) {
    issues.push({ path: 'headers.ouro-webhook-url', message: 'must be an absolute http:// or https:// URL' });
  } else if (webhookUrl !== undefined) {
    try {
      new URL(webhookUrl);
    } catch {
      issues.push({ path: 'headers.ouro-webhook-url', message: 'is not a valid URL' });
    }
  }
  if (issues.length > 0) throw invalidRequest(issues);
  if (actionId === undefined) return undefined;
  const ctx: PlatformContext = { action_id: actionId };
  const optional: [keyof PlatformContext, string][] = [
    ['webhook_url', 'ouro-webhook-url'],
    ['webhook_token', 'ouro-webhook-token'],
    ['route_id', 'ouro-route-id'],
    ['route_org_id', 'ouro-route-org-id'],
    ['route_team_id', 'ouro-route-team-id'],
    ['user_id', 'ouro-user-id'],
  ];
  for (const [key, name] of optional) {
    const v = header(req, name);
    if (v !== undefined) ctx[key] = v.slice(0, 4096);
  }
  return ctx;
}

/** The body's fields outside the core's request, in SubmissionEnvelopeSchema: an unknown field's message lists them too (a typo of `structure`). */
const ENVELOPE_FIELDS = ['structure', 'file', 'webhook_url'] as const;

/**
 * Validates the body: the envelope (file/structure/webhook_url) and the core's request fields, all
 * issues at once. URLs naming an internal host outright (an IP literal, localhost) are refused here;
 * names are checked again on the address actually connected, by whoever connects.
 */
export function validate(body: Record<string, unknown>, allowPrivate: boolean): { envelope: SubmissionEnvelope; parameters: Record<string, unknown> } {
  const { file, structure, webhook_url, ...requestFields } = body;
  const issues: FieldIssue[] = [];
  const envelope = SubmissionEnvelopeSchema.safeParse({ file, structure, webhook_url });
  if (!envelope.success) {
    issues.push(...fieldIssues(envelope.error.issues));
  } else {
    const urls: [string, string | undefined][] = [
      ['file.url', envelope.data.file?.url],
      ['webhook_url', envelope.data.webhook_url],
    ];
    for (const [path, url] of urls) {
      if (url === undefined) continue;
      try {
        assertSafeUrl(url, { allowPrivate });
      } catch (err) {
        if (!isUnsafeUrlError(err)) throw err;
        issues.push({ path, message: (err as Error).message });
      }
    }
  }
  let parameters: Record<string, unknown> = {};
  try {
    parameters = parseRequest(requestFields, { otherFields: ENVELOPE_FIELDS }) as unknown as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    issues.push(...err.issues);
  }
  if (issues.length > 0 || !envelope.success) throw invalidRequest(issues);
  return { envelope: envelope.data, parameters };
}

/** Where an action's structure comes from, as its record keeps it (the inline text is stored apart). */
export function inputOf(envelope: SubmissionEnvelope): ActionInput {
  if (envelope.structure) {
    const s = envelope.structure;
    return { kind: 'inline', ...(s.format ? { format: s.format } : {}), ...(s.filename ? { filename: s.filename } : {}), ...(s.species ? { species: s.species } : {}) };
  }
  const f = envelope.file!;
  const input: ActionInput = { kind: 'url', url: f.url, ...(f.species ? { species: f.species } : {}) };
  for (const k of ['filename', 'type', 'name', 'org_id', 'team_id'] as const) {
    if (typeof f[k] === 'string') input[k] = f[k];
  }
  if (!input.filename && typeof f.extension === 'string') input.filename = `structure.${f.extension}`;
  return input;
}

/**
 * A queued action asked for again (a repeated platform call, an Idempotency-Key replay) gets its
 * job unless it has one: the first request may have stored it and failed before queueing it.
 * Adding is a no-op while the job exists (its id is derived from the action id).
 */
async function ensureQueued(ctx: ApiContext, action: Action): Promise<void> {
  if (action.status !== 'queued') return;
  const onQueue = action.queue ?? GENERATE_QUEUE;
  const again = await ctx.fairShare.admit(action.owner, onQueue, action.id);
  await enqueueGeneration(onQueue === HEAVY_QUEUE ? ctx.heavyQueue : ctx.queue, ctx.config, action.id, again.priority);
}

function accepted(res: Response, ctx: ApiContext, action: Action, replayed: boolean, viewLink: (id: string) => string): void {
  const links = actionLinks(ctx.config.publicUrl, action.id, viewLink(action.id));
  res.setHeader('location', links.self);
  if (replayed) res.setHeader('idempotent-replayed', 'true');
  res.status(202).json({ id: action.id, status: action.status, created_at: action.created_at, links });
}

/**
 * Counts a submission the route refuses (any 4xx it answers: an invalid field or structure, a
 * reused key or action id, the queued limit) as `defect_submissions_total{outcome="rejected"}`, once,
 * as POST /batches counts its invalid items. Requests refused before the route (authentication, the
 * request-rate limit, unreadable JSON) are not submissions and are counted by `http_requests_total`.
 */
function countingRefusals(ctx: ApiContext, handler: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await handler(req, res);
    } catch (err) {
      if (err instanceof HttpError && err.status >= 400 && err.status < 500) ctx.metrics.submissions.inc({ outcome: 'rejected' });
      throw err;
    }
  };
}

export function generateRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post(GENERATE_PATH, countingRefusals(ctx, async (req, res) => {
    const principal = principalOf(res);
    if (req.body === undefined || !req.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'Send the request as JSON with `Content-Type: application/json`');
    }
    const body = req.body as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidRequest([{ path: '', message: 'the body must be a JSON object' }]);
    }
    const platform = platformContext(req, principal);
    const idempotencyKey = header(req, 'idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw invalidRequest([{ path: 'headers.idempotency-key', message: 'must be 1-255 visible ASCII characters' }]);
    }

    const { envelope, parameters } = validate(body as Record<string, unknown>, ctx.config.allowPrivateUrls);
    let verdict: HostVerdict | null = null;
    if (envelope.structure) {
      verdict = await ctx.hostChecker.check(envelope.structure, parameters, principal.name);
      if (!verdict.checked) req.log.warn({ reason: verdict.reason }, 'inline structure accepted unchecked; the worker will check it');
    }
    const { queue, estimateMs } = chooseQueue(verdict, parameters as unknown as CostRequest, ctx.config.heavyJobMs);
    const bodyFingerprint = fingerprint(body);

    // Before anything is stored: a link that cannot be signed (Redis away) must not follow a queued job.
    const viewLink = await ctx.viewLinks.signer();
    let id = platform?.action_id ?? randomUUID();
    let claimed = false;
    if (idempotencyKey !== undefined && !platform) {
      const outcome = await ctx.idempotency.claim(principal.name, idempotencyKey, bodyFingerprint, id);
      if (outcome.kind === 'mismatch') {
        throw new HttpError(422, 'idempotency_key_reused', `This Idempotency-Key was already used with a different body (action ${outcome.actionId}); use a new key for a new request`);
      }
      id = outcome.actionId;
      if (outcome.kind === 'replay') {
        const existing = await ctx.store.get(id);
        if (existing) {
          // The first request may have answered 503 after its record was written but not its job.
          await ensureQueued(ctx, existing);
          ctx.metrics.submissions.inc({ outcome: 'replayed' });
          req.log.info({ action_id: id, status: existing.status }, 'repeated submission, same action');
          return accepted(res, ctx, existing, true, viewLink);
        }
        // The first request is still creating it, or failed and could not release the key (Redis
        // went away): create it here under the same id. Creation is idempotent, so both requests
        // end with the one action and its one job.
      } else {
        claimed = true;
      }
    }
    const releaseKey = async () => {
      if (claimed) await ctx.idempotency.release(principal.name, idempotencyKey!, id).catch(() => undefined);
    };

    req.log = req.log.child({ action_id: id });
    res.locals.action_id = id;
    // The action takes its place in its owner's line (and the queued-job limit) before it exists.
    let admission;
    try {
      admission = await ctx.fairShare.admit(principal.name, queue, id, queuedLimit(ctx.config, principal));
    } catch (err) {
      await releaseKey();
      if (!(err instanceof QueuedLimitError)) throw err;
      throw new HttpError(429, 'too_many_queued', err.message, undefined, { 'retry-after': String(QUEUED_LIMIT_RETRY_AFTER_S) });
    }
    const leaveLine = async () => {
      if (admission.added) await ctx.fairShare.forget(principal.name, queue, id).catch(() => undefined);
    };
    const { created, action } = await ctx.store
      .create(
        {
          id,
          owner: principal.name,
          parameters,
          input: inputOf(envelope),
          queue,
          request_fingerprint: bodyFingerprint,
          ...(platform ? { platform } : {}),
          ...(envelope.webhook_url ? { webhook_url: envelope.webhook_url } : {}),
        },
        envelope.structure?.content,
      )
      .catch(async (err: unknown) => {
        await leaveLine();
        await releaseKey();
        throw err;
      });

    if (!created) {
      await leaveLine();
      if (action.owner !== principal.name) throw new HttpError(409, 'conflict', 'An action with this id already exists');
      if (action.request_fingerprint !== undefined && action.request_fingerprint !== bodyFingerprint) {
        throw new HttpError(409, 'action_id_reused', `Action ${id} already exists with a different request body; a new request needs a new ouro-action-id`);
      }
      // A repeat of a platform call: the same action, and no new job unless the first one was lost.
      await ensureQueued(ctx, action);
      ctx.metrics.submissions.inc({ outcome: 'replayed' });
      req.log.info({ status: action.status }, 'repeated submission, same action');
      return accepted(res, ctx, action, true, viewLink);
    }

    try {
      await enqueueGeneration(queue === HEAVY_QUEUE ? ctx.heavyQueue : ctx.queue, ctx.config, id, admission.priority);
    } catch (err) {
      // Not queued: the answer is 503 and the action is taken back, so that a retry starts clean.
      // When even that fails (Redis went away) the record stays, watched by the reconciler, which
      // gives it its job after RECONCILE_GRACE_MS; its Idempotency-Key claim and its place in line
      // stay too, so a retry with the key gets this action (and its job) rather than a second one.
      const removed = await ctx.store.remove(id, principal.name).then(
        () => true,
        () => false,
      );
      if (removed) {
        await leaveLine();
        await releaseKey();
      } else {
        req.log.warn({ err: (err as Error).message }, 'action recorded but not queued, and could not be taken back; the reconciler will queue it');
      }
      throw err;
    }
    ctx.metrics.submissions.inc({ outcome: 'accepted' });
    req.log.info({ input: action.input.kind, queue, estimate_ms: estimateMs, priority: admission.priority }, 'action accepted');
    accepted(res, ctx, action, false, viewLink);
  }));

  return router;
}
