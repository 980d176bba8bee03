import { setImmediate } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { RequestError, parseRequest } from '@defect-candidates/core';
import type { InvalidItem } from '@defect-candidates/service/store/batches';
import { HttpError, invalidRequest, type FieldIssue } from '../errors.ts';
import type { HostChecker, HostVerdict } from '../host-check.ts';
import { fingerprint } from '@defect-candidates/service/store/idempotency';
import { validate } from './generate.ts';
import type { SubmissionEnvelope } from '../schemas.ts';

/** An item that passed the field checks: what a single request with its fields would have made. */
export interface ValidItem {
  index: number;
  envelope: SubmissionEnvelope;
  parameters: Record<string, unknown>;
  /** The fingerprint of the body a single request for this item would have sent (its fields over `defaults`). */
  fingerprint: string;
}

/** Items checked between two turns of the event loop: a thousand items' checks take a few hundred ms in all. */
export const ITEMS_PER_TURN = 50;

/**
 * The field checks of a batch's items, each against the batch's `defaults` (an item's own fields
 * win), exactly as a single request's body is checked. Refuses the whole batch (422) when
 * `defaults` itself is invalid, since every item would inherit the fault. Yields to the event loop
 * every ITEMS_PER_TURN items, so that other requests (and /healthz) are answered meanwhile.
 */
export async function validateItems(items: unknown[], defaults: Record<string, unknown>, allowPrivate: boolean): Promise<{ valid: ValidItem[]; invalid: InvalidItem[] }> {
  try {
    parseRequest(defaults);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    throw invalidRequest(err.issues.map((i) => ({ path: `defaults${i.path ? `.${i.path}` : ''}`, message: i.message })));
  }
  const valid: ValidItem[] = [];
  const invalid: InvalidItem[] = [];
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % ITEMS_PER_TURN === 0) await setImmediate();
    const item = items[index];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      invalid.push({ index, issues: [{ path: '', message: 'an item must be a JSON object: {file} or {structure}, with request fields of its own' }] });
      continue;
    }
    const { webhook_url, ...fields } = item as Record<string, unknown>;
    const issues: FieldIssue[] = webhook_url === undefined ? [] : [{ path: 'webhook_url', message: 'give webhook_url once, on the batch' }];
    try {
      const body = { ...defaults, ...fields };
      const checked = validate(body, allowPrivate);
      if (issues.length === 0) valid.push({ index, ...checked, fingerprint: fingerprint(body) });
    } catch (err) {
      if (!(err instanceof HttpError) || !err.issues) throw err;
      issues.push(...err.issues);
    }
    if (issues.length > 0) invalid.push({ index, issues });
  }
  return { valid, invalid };
}

/**
 * The submission check (HostChecker: read, analyse and size the structure) of a batch's inline
 * structures, bounded so that a batch of a thousand cannot take the API's check threads from
 * everyone else nor hold its request for long:
 * - at most `slots` checks of batch items run at once in the whole API process (HOST_CHECK_THREADS
 *   less one, so single requests always find a thread), and each batch checks its items one at a
 *   time, so concurrent batches take turns;
 * - a batch spends at most `budgetMs` (HOST_CHECK_TIMEOUT_MS) on them; the items not checked by
 *   then are accepted and checked by the worker, as structures given by URL always are.
 * Identical structures are checked once (the checker remembers verdicts), so a batch that varies
 * only the request fields costs one check. The checks run in the batch owner's turn, as its single
 * requests' do (one check per API key at a time).
 */
export class BatchStructureChecks {
  private readonly limit: LimitFunction;

  constructor(
    private readonly checker: HostChecker,
    slots: number,
    private readonly budgetMs: number,
  ) {
    this.limit = pLimit(Math.max(1, slots));
  }

  /**
   * The refused items (422 issues of the structure, paths relative to the item), how many went
   * unchecked, and the verdict of each item checked or tried (by item index; the cost estimate and
   * the choice of queue read it). `owner` is the API key whose turn the checks take.
   */
  async check(items: ValidItem[], owner: string): Promise<{ refused: InvalidItem[]; unchecked: number; verdicts: Map<number, HostVerdict> }> {
    const inline = items.filter((item) => item.envelope.structure);
    const refused: InvalidItem[] = [];
    const verdicts = new Map<number, HostVerdict>();
    let unchecked = inline.length;
    const deadline = Date.now() + this.budgetMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), this.budgetMs);
    });
    try {
      for (const item of inline) {
        // A check still queued when the budget is spent is dropped; one already running finishes
        // in the background (its verdict is remembered) and keeps its slot until then.
        const outcome = await Promise.race([this.limit(async () => (Date.now() >= deadline ? ('expired' as const) : this.checkOne(item, owner))), expired]);
        if (outcome === 'expired') break;
        if (outcome instanceof HttpError) {
          unchecked -= 1;
          refused.push({ index: item.index, issues: outcome.issues ?? [{ path: 'structure', message: outcome.message }] });
          continue;
        }
        verdicts.set(item.index, outcome);
        if (outcome.checked) unchecked -= 1;
      }
    } finally {
      clearTimeout(timer);
    }
    return { refused, unchecked, verdicts };
  }

  private async checkOne(item: ValidItem, owner: string): Promise<HostVerdict | HttpError> {
    try {
      return await this.checker.check(item.envelope.structure!, item.parameters, owner);
    } catch (err) {
      if (err instanceof HttpError && err.status === 422) return err;
      throw err;
    }
  }
}
