import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { GENERATE_QUEUE, generateJobOptions, queuePrefix } from '@defect-candidates/service/queues';
import { fingerprint } from '@defect-candidates/service/store/idempotency';
import type { CostRequest } from '@defect-candidates/service/scheduling/cost';
import type { ApiContext } from './context.ts';
import { HttpError } from './errors.ts';
import { scanJsonShape } from './json-limits.ts';
import { validateItems } from './routes/batch-items.ts';
import { chooseQueue, validate } from './routes/generate.ts';
import { BatchRequestSchema } from './schemas.ts';
import { WARM_UP_STRUCTURES } from './warm-up-structures.ts';

/** The owner of the warm-up's throwaway records (a random action id each, removed at once, so a key of that name would not notice). */
const WARM_UP_OWNER = '__warm-up__';

/**
 * What a submission does on the API's own event loop for the first time, done at start instead
 * (the check threads warm apart, `HostChecker.warm`):
 * - the request checks: zod compiles each schema on its first parse, and the core's request
 *   parser, URL rules, canonical fingerprint, JSON shape scan and cost estimate are compiled on
 *   their first call, for a valid body, an invalid one, and a batch;
 * - what needs Redis: the result pages' signing key (read, or made, once per process), BullMQ's
 *   queues, and one pass through a submission's writes on throwaway keys (the fair share's
 *   admission, an action record, an Idempotency-Key, a prioritized job), each removed at once.
 * Redis scripts need no loading: ioredis sends a script's text with its first call on each
 * connection, costing one Lua compilation on the server, microseconds.
 *
 * Resolves once done; a step that fails (Redis away) is logged and skipped, since its cost then
 * falls on a first request only, which the readiness probe would hold back anyway.
 */
export async function warmUpApi(ctx: ApiContext): Promise<void> {
  const inline = { structure: { content: WARM_UP_STRUCTURES[0].content, format: 'poscar' }, defect_types: ['vacancy', 'substitution'], dopant_elements: ['Mg'], supercell: [2], output_formats: ['poscar', 'cif'] };
  const byUrl = { file: { url: 'https://example.org/warm-up.cif', filename: 'warm-up.cif' }, webhook_url: 'https://example.org/hook?token=x' };
  const host = { inputAtoms: 2, orbits: 1, elements: 1, supercellAtoms: 16 };
  for (const body of [inline, byUrl]) {
    scanJsonShape(Buffer.from(JSON.stringify(body), 'utf8'));
    const { parameters } = validate(body, false);
    fingerprint(body);
    chooseQueue({ checked: true, host }, parameters as unknown as CostRequest, ctx.config.heavyJobMs);
  }
  try {
    validate({ supercell: 'big', file: { url: 'ftp://example.org/a.cif' } }, false);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
  }
  BatchRequestSchema.safeParse({ items: [inline, byUrl], defaults: { defect_types: ['vacancy'] }, webhook_url: 'https://example.org/hook' });
  BatchRequestSchema.safeParse({});
  await validateItems([inline, byUrl, 3], { max_candidates: 10 }, false);

  // The Redis-side steps of a submission, on keys of their own, each taken back at once: a line in
  // the fair share, an action record and its listing, an Idempotency-Key, a job (on a queue no
  // worker takes, removed with it).
  const id = `warm-up-${randomUUID()}`;
  const steps: [string, () => Promise<unknown>][] = [
    ['view-link key', () => ctx.viewLinks.signer()],
    ['queues', () => Promise.all([ctx.queue.waitUntilReady(), ctx.heavyQueue.waitUntilReady()])],
    ['fair share', async () => {
      await ctx.fairShare.admit(WARM_UP_OWNER, GENERATE_QUEUE, id);
      await ctx.fairShare.forget(WARM_UP_OWNER, GENERATE_QUEUE, id);
    }],
    ['action store', async () => {
      await ctx.store.create({ id, owner: WARM_UP_OWNER, parameters: {}, input: { kind: 'inline' } }, WARM_UP_STRUCTURES[0].content);
      await ctx.store.remove(id, WARM_UP_OWNER);
    }],
    ['idempotency', async () => {
      await ctx.idempotency.claim(WARM_UP_OWNER, id, fingerprint({ id }), id);
      await ctx.idempotency.release(WARM_UP_OWNER, id, id);
    }],
    ['job', async () => {
      const queue = new Queue(`${WARM_UP_OWNER}-${process.pid}`, { connection: ctx.redis, prefix: queuePrefix(ctx.config) });
      try {
        await queue.add('generate', { action_id: id }, { ...generateJobOptions(ctx.config, id), priority: 1 });
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    }],
  ];
  for (const [name, step] of steps) {
    await step().catch((err: Error) => ctx.logger.warn({ err: err.message, step: name }, 'warm-up step failed; the first request does it instead'));
  }
}

/**
 * The HTTP side, once the server listens: one request through each layer every request takes
 * (Express's router, pino-http, the JSON body reader and the error handler, authentication's
 * refusal) and the OpenAPI document, which is built on its first request. Answers are not judged:
 * only their being served counts.
 */
export async function warmUpHttp(url: string): Promise<void> {
  const requests: [string, RequestInit][] = [
    ['/healthz', {}],
    ['/openapi.json', {}],
    ['/generate-point-defect-candidates', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"file": {"url": "https://example.org/a.cif"}}' }],
  ];
  for (const [path, init] of requests) {
    const headers = { ...(init.headers as Record<string, string> | undefined), 'x-request-id': 'warm-up' };
    await (await fetch(`${url}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) })).arrayBuffer();
  }
}
