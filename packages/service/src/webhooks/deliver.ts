import { randomBytes } from 'node:crypto';
import type { Got } from 'got';
import type { DefectAnswer } from '@defect-candidates/core';
import type { ApiKeyring } from '../auth/keys.ts';
import type { Action, ActionStore } from '../store/actions.ts';
import { recordDeliveryOutcome } from '../store/stats.ts';
import { isUnsafeUrlError } from '../net/errors.ts';
import { judgeAttempt, type AttemptResult, type AttemptVerdict } from './outcome.ts';
import { deliveryEvent, deliveryTarget, directPayload, platformPayload } from './payloads.ts';
import type { RetrySchedule } from './schedule.ts';
import type { ViewLinks } from '../view-links.ts';
import { webhookHeaders } from './signature.ts';
import type { DeliveryAttempt, DeliveryLedger, DeliveryState } from './state.ts';

const USER_AGENT = 'defect-candidates-webhooks/0.1';

export interface Deliverer {
  store: ActionStore;
  ledger: DeliveryLedger;
  keyring: ApiKeyring;
  http: Got;
  schedule: RetrySchedule;
  publicUrl?: string;
  /** Signs the result page's link the payloads carry; without it they carry none. */
  viewLinks?: ViewLinks;
}

/** Origin and path of a URL: what is shown and logged of a receiver (queries may hold tokens). */
export function displayTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * A webhook URL as the API's answers show it: scheme, host, path and the names of its query
 * parameters as given, every query value replaced by `***` and any `user:password@` dropped. The
 * delivery uses the URL whole; a token carried in it is never shown back (the logs and delivery
 * states show only `displayTarget`).
 */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const query = [...u.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=***`).join('&');
    return `${u.origin}${u.pathname}${query ? `?${query}` : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The pending state of a delivery that has not been tried yet. */
export function initialDeliveryState(action: Action, now = new Date()): DeliveryState | null {
  const target = deliveryTarget(action);
  if (!target) return null;
  return {
    state: 'pending',
    kind: target.kind,
    event: deliveryEvent(action),
    target: displayTarget(target.url),
    message_id: newMessageId(),
    created_at: now.toISOString(),
    attempts: [],
    next_attempt_at: now.toISOString(),
    operator_retries: 0,
  };
}

/** What one attempt concluded: the verdict, and the wait before the next attempt when there is one. */
export interface AttemptReport {
  verdict: AttemptVerdict;
  state: DeliveryState;
  /** Set when another attempt is scheduled. */
  nextDelayMs?: number;
}

/** One POST of a message: where, the body, and the headers that go with it. */
export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A Standard Webhooks message of `owner`'s, signed with the `whsec_` secret of its API key (unsigned without one). */
export function directRequest(keyring: ApiKeyring, owner: string, url: string, payload: unknown, messageId: string, nowMs: number): DeliveryRequest {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(nowMs / 1000);
  return { url, body, headers: webhookHeaders(keyring.webhookSecret(owner), { id: messageId, timestamp, body }) };
}

function buildRequest(d: Deliverer, action: Action, answer: DefectAnswer | null, state: DeliveryState, nowMs: number, viewLink: string | undefined): DeliveryRequest {
  const target = deliveryTarget(action)!;
  if (target.kind === 'platform') {
    // The platform cannot follow a relative link: it gets one only with PUBLIC_URL.
    const body = JSON.stringify(platformPayload(action, answer, d.publicUrl ? viewLink : undefined));
    const headers: Record<string, string> = { 'webhook-id': state.message_id, 'webhook-timestamp': String(Math.floor(nowMs / 1000)) };
    if (action.platform?.webhook_token) headers['ouro-webhook-token'] = action.platform.webhook_token;
    return { url: target.url, body, headers };
  }
  return directRequest(d.keyring, action.owner, target.url, directPayload(action, answer, d.publicUrl, viewLink), state.message_id, nowMs);
}

async function send(d: Pick<Deliverer, 'http'>, request: DeliveryRequest): Promise<AttemptResult> {
  try {
    const response = await d.http.post(request.url, {
      body: request.body,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...request.headers },
      throwHttpErrors: false,
    });
    return { status: response.statusCode, headers: response.headers };
  } catch (error) {
    const e = error as { message?: string; code?: string };
    return { error: { message: e.message ?? String(error), code: e.code, permanent: isUnsafeUrlError(error) } };
  }
}

/**
 * Makes attempt number `attemptsMade + 1` of `maxAttempts` at delivering an action's result and
 * records it on the action. A run that has no attempt left, or a refusal by the receiver, ends the
 * delivery `failed`; a 2xx ends it `delivered`.
 */
export async function attemptDelivery(d: Deliverer, actionId: string, attemptsMade: number, maxAttempts: number): Promise<AttemptReport | null> {
  const action = await d.store.get(actionId);
  if (!action) return null;
  const state = (action.webhook as DeliveryState | undefined) ?? initialDeliveryState(action);
  if (!state) return null;
  if (state.state === 'delivered') return { verdict: { kind: 'delivered' }, state };

  // Redis errors propagate from here: the job fails and BullMQ tries again later.
  const answer = action.status === 'success' ? ((await d.store.getResponse(actionId)) as DefectAnswer | null) : null;
  // Valid for the link's lifetime from the action's end, not from this attempt: every retry of the message carries the same bytes.
  const viewLink = d.viewLinks ? await d.viewLinks.link(actionId, Date.parse(action.finished_at ?? '') || Date.now()) : undefined;
  const report = await runAttempt(d, state, (nowMs) => buildRequest(d, action, answer, state, nowMs, viewLink), attemptsMade, maxAttempts);
  if (await d.ledger.put(actionId, report.state)) await countEnded(d, report.state, attemptsMade + 1);
  return report;
}

/**
 * Counts a delivery that has just ended (`delivered`, or `failed` for good) after `attempts`
 * attempts in the webhook metrics; a pending one is not counted. A failure to count is not the
 * delivery's: it is left out of the metrics rather than retried.
 */
export async function countEnded(d: Pick<Deliverer, 'store'>, state: DeliveryState, attempts: number): Promise<void> {
  if (state.state === 'pending') return;
  await recordDeliveryOutcome(d.store.redis, d.store.options.prefix, state.state, attempts).catch(() => undefined);
}

/**
 * Makes attempt number `attemptsMade + 1` of `maxAttempts` at sending a message whose delivery
 * stands at `state`, and works out the delivery's next state, which the caller records. `build`
 * makes the request at the given time; when it throws (no body can be built: an answer expired, an
 * unusable signing secret), retrying cannot help and the delivery fails at once.
 */
export async function runAttempt(
  d: Pick<Deliverer, 'http' | 'schedule'>,
  state: DeliveryState,
  build: (nowMs: number) => DeliveryRequest,
  attemptsMade: number,
  maxAttempts: number,
): Promise<AttemptReport> {
  const started = Date.now();
  let request: DeliveryRequest | null = null;
  let unbuildable: AttemptResult | null = null;
  try {
    request = build(started);
  } catch (error) {
    unbuildable = { error: { message: (error as Error).message, permanent: true } };
  }
  const result: AttemptResult = request ? await send(d, request) : unbuildable!;
  const finished = Date.now();
  const verdict = judgeAttempt(result, finished);

  const attempt: DeliveryAttempt = {
    at: new Date(started).toISOString(),
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.error ? { error: result.error.message } : verdict.kind !== 'delivered' ? { error: verdict.reason } : {}),
    latency_ms: finished - started,
    ...(verdict.kind === 'retry' && verdict.retryAfterMs !== undefined ? { retry_after_ms: verdict.retryAfterMs } : {}),
  };
  state = { ...state, attempts: [...state.attempts, attempt] };

  let nextDelayMs: number | undefined;
  if (verdict.kind === 'delivered') {
    state = { ...state, state: 'delivered', delivered_at: new Date(finished).toISOString(), next_attempt_at: null };
    delete state.failed_at;
  } else {
    state.last_error = verdict.reason;
    nextDelayMs = verdict.kind === 'retry' && attemptsMade + 1 < maxAttempts ? d.schedule.delayAfter(attemptsMade + 1, verdict.retryAfterMs) : undefined;
    if (nextDelayMs === undefined) {
      state = { ...state, state: 'failed', failed_at: new Date(finished).toISOString(), next_attempt_at: null };
    } else {
      state = { ...state, state: 'pending', next_attempt_at: new Date(finished + nextDelayMs).toISOString() };
    }
  }
  return { verdict, state, ...(nextDelayMs !== undefined ? { nextDelayMs } : {}) };
}
