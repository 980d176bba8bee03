import { randomUUID } from 'node:crypto';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStore } from '@defect-candidates/service/store/actions';
import { initialDeliveryState } from '@defect-candidates/service/webhooks/deliver';
import { verifyWebhook } from '@defect-candidates/service/webhooks/signature';
import { DeliveryLedger } from '@defect-candidates/service/webhooks/state';
import { cdteAnswer, freePort, KEYS, Receiver, waitFor, WebhookEnv } from './support.ts';

let env: WebhookEnv;

beforeAll(async () => {
  env = await WebhookEnv.start();
});

afterAll(async () => {
  await env?.stop();
});

function signatureHeaders(r: { headers: Record<string, unknown> }) {
  return { id: String(r.headers['webhook-id']), timestamp: String(r.headers['webhook-timestamp']), signature: String(r.headers['webhook-signature']) };
}

describe('direct (Standard Webhooks) delivery', () => {
  it('survives three 500s and delivers on the 4th attempt with one webhook-id and valid signatures', async () => {
    const receiver = await new Receiver((_r, res, i) => res.writeHead(i < 3 ? 500 : 200).end()).start();
    try {
      const id = await env.finishAction({ webhook_url: `${receiver.url}/hook?token=abc` });
      const state = await env.settled(id, 'delivered');
      expect(receiver.requests).toHaveLength(4);
      expect(state.attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
      expect(state.attempts.slice(0, 3).every((a) => a.error === 'HTTP 500')).toBe(true);
      expect(state.target).toBe(`${receiver.url}/hook`);
      const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toBe(state.message_id);
      for (const r of receiver.requests) {
        expect(verifyWebhook(env.aliceSecret, signatureHeaders(r), r.body)).toBe(true);
        expect(r.headers['content-type']).toBe('application/json');
      }
      const body = JSON.parse(receiver.requests[3].body);
      expect(body.type).toBe('action.completed');
      expect(body.data.id).toBe(id);
      expect(body.data.status).toBe('success');
      // Thin: the summary names every candidate but carries no structures.
      expect(body.data.response.candidates.map((c: { name: string }) => c.name)).toEqual(cdteAnswer().candidates.map((c) => c.name));
      expect(body.data.response.candidates.some((c: object) => 'structures' in c)).toBe(false);
      expect(body.data.links.archive).toBe(`/actions/${id}/archive.zip`);
      expect(body.data.links.view).toMatch(new RegExp(`^/view/${id}\\?expires=\\d+&signature=`));
      // The same bytes every time: only the attempt timestamp and signature change.
      expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    } finally {
      await receiver.stop();
    }
  });

  it('makes exactly one attempt when the receiver answers 410', async () => {
    const receiver = await new Receiver((_r, res) => res.writeHead(410).end()).start();
    try {
      const id = await env.finishAction({ webhook_url: `${receiver.url}/gone` });
      const state = await env.settled(id, 'failed');
      expect(receiver.requests).toHaveLength(1);
      expect(state.attempts).toHaveLength(1);
      expect(state.last_error).toMatch(/410/);
      const job = await env.queue.getJob(`deliver-${id}`);
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await receiver.stop();
    }
  });

  it('sends action.failed with the error for an action that failed', async () => {
    const receiver = await new Receiver().start();
    try {
      const error = { message: 'line 3: not a number', code: 'invalid_structure', type: 'invalid_input', retryable: false };
      const id = await env.finishAction({ webhook_url: receiver.url, error });
      await env.settled(id, 'delivered');
      const body = JSON.parse(receiver.requests[0].body);
      expect(body).toMatchObject({ type: 'action.failed', data: { id, status: 'error', error } });
      expect(body.data).not.toHaveProperty('response');
    } finally {
      await receiver.stop();
    }
  });

  it('does not follow a redirect', async () => {
    const receiver = await new Receiver((r, res) =>
      r.path === '/moved' ? res.writeHead(302, { location: '/landing' }).end() : res.writeHead(200).end(),
    ).start();
    try {
      const id = await env.finishAction({ webhook_url: `${receiver.url}/moved` });
      const state = await env.settled(id, 'failed');
      expect(receiver.hits('/landing')).toHaveLength(0);
      expect(state.attempts.every((a) => a.status === 302)).toBe(true);
      expect(state.last_error).toMatch(/redirect to \/landing not followed/);
    } finally {
      await receiver.stop();
    }
  });

  it('queues one delivery however often the end of an action is reported', async () => {
    const receiver = await new Receiver().start();
    try {
      const id = await env.finishAction({ webhook_url: receiver.url });
      await env.settled(id, 'delivered');
      const action = (await env.store.get(id))!;
      await env.store.notifyFinished(action);
      await env.store.notifyFinished(action);
      // A second job would have been queued synchronously by the listener: there is none.
      expect((await env.queue.getJob(`deliver-${id}`))?.attemptsMade).toBe(1);
      expect(await env.queue.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('queues the job again when a worker died between creating the delivery and queueing its job', async () => {
    const receiver = await new Receiver().start();
    try {
      // The action ends through a store with no listener, and the delivery state is created as the
      // hook creates it: the worker "dies" before queueing the job.
      const bare = new ActionStore(env.store.redis, env.store.options);
      const id = randomUUID();
      await bare.create({ id, owner: 'alice', parameters: {}, input: { kind: 'inline' }, webhook_url: receiver.url });
      await bare.markStarted(id);
      await bare.complete(id, cdteAnswer());
      const action = (await bare.get(id))!;
      const begun = initialDeliveryState(action)!;
      expect(await new DeliveryLedger(bare).begin(id, begun)).toBe('created');
      expect(await env.queue.getJob(`deliver-${id}`)).toBeUndefined();

      // The job runs again (another worker) and reports the end again: the delivery goes out, once.
      await env.store.notifyFinished(action);
      const state = await env.settled(id, 'delivered');
      expect(state.message_id).toBe(begun.message_id);
      await env.store.notifyFinished((await env.store.get(id))!);
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0].headers['webhook-id']).toBe(begun.message_id);
    } finally {
      await receiver.stop();
    }
  });

  it('honours Retry-After on 503', async () => {
    const receiver = await new Receiver((_r, res, i) => (i === 0 ? res.writeHead(503, { 'retry-after': '1' }).end() : res.writeHead(200).end())).start();
    try {
      const id = await env.finishAction({ webhook_url: receiver.url });
      const pending = await waitFor('the first attempt', async () => {
        const w = await env.webhook(id);
        return w && w.attempts.length === 1 ? w : null;
      });
      expect(pending.state).toBe('pending');
      expect(pending.attempts[0]).toMatchObject({ status: 503, retry_after_ms: 1000 });
      const job = await env.queue.getJob(`deliver-${id}`);
      expect(job?.delay).toBe(1000);
      await env.settled(id, 'delivered');
      expect(receiver.requests).toHaveLength(2);
    } finally {
      await receiver.stop();
    }
  });
});

describe('a receiver that is down', () => {
  it('exhausts the schedule, is listed as failed, and gets the result after an operator retry', async () => {
    const port = await freePort();
    const id = await env.finishAction({ webhook_url: `http://127.0.0.1:${port}/hook` });
    const state = await env.settled(id, 'failed');
    expect(state.attempts).toHaveLength(4);
    expect(state.attempts.every((a) => a.status === undefined && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);

    const listed = await env.json('/webhooks/failed', { key: KEYS.ops });
    const entry = listed.deliveries.find((d: { action_id: string }) => d.action_id === id);
    expect(entry).toMatchObject({ action_id: id, owner: 'alice', kind: 'direct', attempts: 4 });
    expect(entry.last_error).toMatch(/ECONNREFUSED/);
    // Newest failure first.
    const times = listed.deliveries.map((d: { failed_at: string }) => Date.parse(d.failed_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // A client sees only its own failures.
    const bobs = await env.json('/webhooks/failed', { key: KEYS.bob });
    expect(bobs.deliveries.some((d: { action_id: string }) => d.action_id === id)).toBe(false);

    const receiver = await new Receiver().start(port);
    try {
      const retried = await env.fetch(`/actions/${id}/webhook/retry`, { method: 'POST', key: KEYS.ops });
      expect(retried.status).toBe(202);
      const delivered = await env.settled(id, 'delivered');
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0].headers['webhook-id']).toBe(state.message_id);
      expect(verifyWebhook(env.aliceSecret, signatureHeaders(receiver.requests[0]), receiver.requests[0].body)).toBe(true);
      expect(delivered.operator_retries).toBe(1);
      expect(delivered.attempts.at(-1)?.status).toBe(200);
      const after = await env.json('/webhooks/failed', { key: KEYS.ops });
      expect(after.deliveries.some((d: { action_id: string }) => d.action_id === id)).toBe(false);

      // Delivered: a retry is refused unless forced, and a forced one keeps the message id.
      expect((await env.fetch(`/actions/${id}/webhook/retry`, { method: 'POST', key: KEYS.ops })).status).toBe(409);
      expect((await env.fetch(`/actions/${id}/webhook/retry?force=true`, { method: 'POST', key: KEYS.ops })).status).toBe(202);
      await waitFor('the forced delivery', async () => receiver.requests.length === 2);
      expect(receiver.requests[1].headers['webhook-id']).toBe(state.message_id);
    } finally {
      await receiver.stop();
    }
  });

  it('retry-failed starts every failed delivery over', async () => {
    const port = await freePort();
    const ids = [await env.finishAction({ webhook_url: `http://127.0.0.1:${port}/a` }), await env.finishAction({ webhook_url: `http://127.0.0.1:${port}/b` })];
    for (const id of ids) await env.settled(id, 'failed');
    // An age window that excludes them retries nothing.
    const none = await env.json('/webhooks/retry-failed?min_age_seconds=3600', { method: 'POST', key: KEYS.ops });
    expect(none.retried).toEqual([]);
    const receiver = await new Receiver().start(port);
    try {
      const res = await env.fetch('/webhooks/retry-failed?max_age_seconds=3600', { method: 'POST', key: KEYS.ops });
      expect(res.status).toBe(202);
      const body = (await res.json()) as any;
      expect(body.retried).toEqual(expect.arrayContaining(ids));
      for (const id of ids) await env.settled(id, 'delivered');
      expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/a', '/b']);
    } finally {
      await receiver.stop();
    }
  });
});

describe('operator endpoints', () => {
  it('refuse non-operator keys with 403 and missing keys with 401', async () => {
    const receiver = await new Receiver().start();
    try {
      const id = await env.finishAction({ webhook_url: receiver.url });
      await env.settled(id, 'delivered');
      for (const key of [KEYS.alice, KEYS.bob]) {
        expect((await env.fetch(`/actions/${id}/webhook/retry?force=true`, { method: 'POST', key })).status).toBe(403);
        expect((await env.fetch('/webhooks/retry-failed', { method: 'POST', key })).status).toBe(403);
      }
      expect((await env.fetch(`/actions/${id}/webhook/retry`, { method: 'POST', authorization: `Basic ${KEYS.platform}` })).status).toBe(403);
      expect((await env.fetch('/webhooks/retry-failed', { method: 'POST' })).status).toBe(401);
      expect((await env.fetch('/webhooks/failed')).status).toBe(401);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('answer 404 for an unknown action and 409 for one without a webhook', async () => {
    expect((await env.fetch('/actions/no-such-action/webhook/retry', { method: 'POST', key: KEYS.ops })).status).toBe(404);
    const id = await env.finishAction({});
    const res = await env.fetch(`/actions/${id}/webhook/retry`, { method: 'POST', key: KEYS.ops });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.code).toBe('no_webhook');
  });

  it('serve bull-board to operators only', async () => {
    expect((await env.fetch('/admin/queues')).status).toBe(401);
    expect((await env.fetch('/admin/queues', { key: KEYS.alice })).status).toBe(403);
    const page = await env.fetch('/admin/queues', { key: KEYS.ops });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const basic = `Basic ${Buffer.from(`ops:${KEYS.ops}`).toString('base64')}`;
    const queues = await env.fetch('/admin/queues/api/queues', { authorization: basic });
    expect(queues.status).toBe(200);
    const listed = ((await queues.json()) as any).queues as { name: string; readOnlyMode: boolean }[];
    // Read-only everywhere (issue 15): delivery retries go through the endpoints that keep the action in step.
    expect(listed.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
      ['generate', true],
      ['generate-heavy', true],
      ['webhooks', true],
    ]);
  });
});

describe('platform delivery', () => {
  it('posts the Ouro completion contract with the token and the archive as a file', async () => {
    const token = 'platform-token-123';
    const receiver = await new Receiver((r, res) => res.writeHead(r.headers['ouro-webhook-token'] === token ? 200 : 401).end()).start();
    try {
      const platformId = `ouro-${Date.now()}`;
      const id = await env.finishAction({
        owner: 'ouro',
        platform: { action_id: platformId, webhook_url: `${receiver.url}/webhooks/actions`, webhook_token: token, route_id: 'route-1', route_org_id: 'org-1', route_team_id: 'team-1' },
      });
      await env.settled(id, 'delivered');
      expect(receiver.requests).toHaveLength(1);
      const body = JSON.parse(receiver.requests[0].body);
      expect(Object.keys(body).sort()).toEqual(['ouro_action_id', 'ouro_route_id', 'response', 'status']);
      expect(body).toMatchObject({ status: 'completed', ouro_action_id: platformId, ouro_route_id: 'route-1' });
      const answer = cdteAnswer();
      const { file, ...summary } = body.response;
      expect(summary.host.formula).toBe(answer.host.formula);
      expect(summary.candidates.map((c: { name: string }) => c.name)).toEqual(answer.candidates.map((c) => c.name));
      expect(summary.candidates.some((c: object) => 'structures' in c)).toBe(false);
      expect(file).toMatchObject({
        filename: 'CdTe_defect_candidates.zip',
        type: 'application/zip',
        extension: 'zip',
        org_id: 'org-1',
        team_id: 'team-1',
      });
      expect(typeof file.name).toBe('string');
      expect(typeof file.description).toBe('string');
      const zip = unzipSync(Buffer.from(file.base64, 'base64'));
      expect(Object.keys(zip)).toContain('manifest.json');
      for (const candidate of answer.candidates) {
        expect(strFromU8(zip[`${candidate.name}/POSCAR`])).toBe(candidate.structures.poscar);
      }
      // One per candidate, and the bulk's.
      expect(Object.keys(zip).filter((p) => p.endsWith('/POSCAR'))).toHaveLength(answer.candidates.length + 1);
      expect(strFromU8(zip['bulk/POSCAR'])).toBe(answer.bulk.structures.poscar);
    } finally {
      await receiver.stop();
    }
  });

  it('posts failed with the error for a failed platform action', async () => {
    const receiver = await new Receiver().start();
    try {
      const error = { message: 'download failed: HTTP 404', code: 'download_failed', type: 'download_error', retryable: true };
      const platformId = `ouro-f-${Date.now()}`;
      await env.finishAction({ owner: 'ouro', error, platform: { action_id: platformId, webhook_url: receiver.url, webhook_token: 't', route_id: 'r' } });
      await env.settled(platformId, 'delivered');
      expect(JSON.parse(receiver.requests[0].body)).toEqual({ status: 'failed', ouro_action_id: platformId, ouro_route_id: 'r', response: { error } });
    } finally {
      await receiver.stop();
    }
  });
});

describe('webhooks in /metrics and on the dashboard (issue 15)', () => {
  // A deployment of its own: the counters are per key prefix, and earlier tests' retries may still run.
  let env: WebhookEnv;
  beforeAll(async () => {
    env = await WebhookEnv.start();
  });
  afterAll(async () => {
    await env?.stop();
  });

  /** One sample of `name{labels}` from the Prometheus text, or 0 when absent. */
  async function sample(name: string, labels = ''): Promise<number> {
    const text = await (await env.fetch('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('counts deliveries by outcome, attempts per delivery, pending and failed deliveries, and the webhooks queue', async () => {
    const ok = await new Receiver().start();
    const failing = await new Receiver((_r, res) => res.writeHead(500).end()).start();
    try {
      const before = {
        delivered: await sample('defect_webhook_deliveries_total', 'outcome="delivered"'),
        failed: await sample('defect_webhook_deliveries_total', 'outcome="failed"'),
        attempts: await sample('defect_webhook_delivery_attempts_count'),
        sum: await sample('defect_webhook_delivery_attempts_sum'),
        oneAttempt: await sample('defect_webhook_delivery_attempts_bucket', 'le="1"'),
        failedNow: await sample('defect_webhook_deliveries_failed'),
      };
      const delivered = await env.finishAction({ webhook_url: ok.url });
      await env.settled(delivered, 'delivered');
      const failed = await env.finishAction({ webhook_url: failing.url });
      const state = await env.settled(failed, 'failed');
      // The dashboard shows the job's data: after each failed attempt that has a successor, the
      // action's own next_attempt_at (the schedule's 300 ms after the 3rd attempt ended, when the 4th began at the earliest).
      const job = await env.queue.getJob(`deliver-${failed}`);
      expect(job?.data).toMatchObject({ action_id: failed, attempts_made: 3 });
      const next = Date.parse(job?.data.next_attempt_at ?? '');
      expect(next).toBeGreaterThan(Date.parse(state.attempts[2].at));
      expect(next).toBeLessThanOrEqual(Date.parse(state.attempts[3].at));

      expect(await sample('defect_webhook_deliveries_total', 'outcome="delivered"')).toBe(before.delivered + 1);
      expect(await sample('defect_webhook_deliveries_total', 'outcome="failed"')).toBe(before.failed + 1);
      expect(await sample('defect_webhook_delivery_attempts_count')).toBe(before.attempts + 2);
      // 1 attempt for the delivered one, 4 (the whole schedule) for the failed one.
      expect(await sample('defect_webhook_delivery_attempts_sum')).toBe(before.sum + 5);
      expect(await sample('defect_webhook_delivery_attempts_bucket', 'le="1"')).toBe(before.oneAttempt + 1);
      expect(await sample('defect_webhook_deliveries_failed')).toBe(before.failedNow + 1);
      expect(await sample('defect_webhook_deliveries_pending')).toBe(0);
      const text = await (await env.fetch('/metrics')).text();
      expect(text).toMatch(/defect_queue_jobs\{queue="webhooks",state="failed"\} [1-9]/);
      expect(text).toMatch(/defect_queue_jobs\{queue="generate-heavy",state="waiting"\} \d+/);
    } finally {
      await ok.stop();
      await failing.stop();
    }
  });

  it('refuses every change to the webhooks queue from the dashboard (read-only: 405)', async () => {
    const receiver = await new Receiver((_r, res) => res.writeHead(410).end()).start();
    try {
      const id = await env.finishAction({ webhook_url: receiver.url });
      await env.settled(id, 'failed');
      const ops = { key: KEYS.ops };
      for (const [method, path] of [
        ['PUT', '/admin/queues/api/queues/webhooks/clean/failed'],
        ['PUT', '/admin/queues/api/queues/webhooks/retry/failed'],
        ['PUT', `/admin/queues/api/queues/webhooks/deliver-${id}/retry`],
        ['PUT', `/admin/queues/api/queues/webhooks/deliver-${id}/clean`],
        ['PUT', '/admin/queues/api/queues/webhooks/pause'],
        ['POST', '/admin/queues/api/queues/webhooks/add'],
      ] as const) {
        const res = await env.fetch(path, { ...ops, method });
        expect(res.status, `${method} ${path}`).toBe(405);
      }
      expect(await env.queue.getJob(`deliver-${id}`)).toBeTruthy();
      expect(await env.queue.isPaused()).toBe(false);
    } finally {
      await receiver.stop();
    }
  });
});
