import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis.ts';
import { keys, type Keys } from './keys.ts';

export type IdempotencyOutcome =
  | { kind: 'new'; actionId: string }
  | { kind: 'replay'; actionId: string }
  | { kind: 'mismatch'; actionId: string };

/**
 * A JSON value with object keys sorted, so `{a,b}` and `{b,a}` count as the same body. Iterative,
 * not recursive: a body nested tens of thousands of levels deep (which JSON.parse accepts) must
 * not overflow the stack. Members whose value is `undefined` are left out and array holes written
 * as `null`, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Popped last-in first-out: what is written next is pushed last.
  const work: { text?: string; value?: unknown }[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item.text !== undefined) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      work.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ value: v[i] });
        if (i > 0) work.push({ text: ',' });
      }
      work.push({ text: '[' });
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      const names = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      work.push({ text: '}' });
      for (let i = names.length - 1; i >= 0; i--) {
        work.push({ value: record[names[i]] });
        work.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(names[i])}:` });
      }
      work.push({ text: '{' });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}

export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` memory: per caller, a key maps to the body's fingerprint and the action it
 * created, for `ttlSeconds`. Claiming is one SET NX, so two concurrent first requests agree.
 */
export class IdempotencyStore {
  private readonly keys: Keys;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix: string; ttlSeconds: number },
  ) {
    this.keys = keys(options.prefix);
  }

  private redisKey(owner: string, key: string): string {
    return this.keys.idempotency(owner, createHash('sha256').update(key).digest('hex'));
  }

  /** Claims `key` for a new action `candidateId`, or tells which action already holds it. */
  async claim(owner: string, key: string, bodyFingerprint: string, candidateId: string): Promise<IdempotencyOutcome> {
    const redisKey = this.redisKey(owner, key);
    const record = JSON.stringify({ fingerprint: bodyFingerprint, action_id: candidateId });
    const set = await this.redis.set(redisKey, record, 'EX', this.options.ttlSeconds, 'NX');
    if (set === 'OK') return { kind: 'new', actionId: candidateId };
    const existing = await this.redis.get(redisKey);
    if (existing === null) {
      // Expired between the two commands: claim again.
      return this.claim(owner, key, bodyFingerprint, candidateId);
    }
    const parsed = JSON.parse(existing) as { fingerprint: string; action_id: string };
    return parsed.fingerprint === bodyFingerprint
      ? { kind: 'replay', actionId: parsed.action_id }
      : { kind: 'mismatch', actionId: parsed.action_id };
  }

  /** Forgets a claim whose action could not be created, so the client's retry is not refused. */
  async release(owner: string, key: string, actionId: string): Promise<void> {
    const redisKey = this.redisKey(owner, key);
    const existing = await this.redis.get(redisKey);
    if (existing && (JSON.parse(existing) as { action_id: string }).action_id === actionId) await this.redis.del(redisKey);
  }
}
