import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from './redis.ts';
import { keys } from './store/keys.ts';

/**
 * Signed, expiring links to an action's result page (`/view/<id>?expires=…&signature=…`). A
 * browser opening a link cannot send an API key, so the link itself grants reading that one
 * action's page, data and archive, and nothing else, until it expires. The signature is
 * HMAC-SHA256 over `<expires>.<action id>` (expires in Unix seconds: digits only, so the first '.'
 * splits the two unambiguously), base64url.
 */

/** The path of an action's page, relative to PUBLIC_URL. */
export const viewPath = (id: string) => `/view/${encodeURIComponent(id)}`;

export function viewSignature(key: Buffer, id: string, expires: number): string {
  return createHmac('sha256', key).update(`${expires}.${id}`).digest('base64url');
}

export type ViewLinkVerdict = 'valid' | 'expired' | 'invalid';

/**
 * Checks a link's `expires` and `signature` query values for action `id` at `nowSeconds`. A
 * signature that does not match is `invalid` whatever the expiry; a matching one past its expiry
 * is `expired`. Compared in constant time.
 */
export function checkViewSignature(key: Buffer, id: string, expires: unknown, signature: unknown, nowSeconds: number): ViewLinkVerdict {
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string') return 'invalid';
  const expected = Buffer.from(viewSignature(key, id, Number(expires)), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expires) < nowSeconds ? 'expired' : 'valid';
}

export interface ViewLinkOptions {
  /** VIEW_LINK_SECRET; empty: a random key kept in Redis, shared by every process using it. */
  secret: string;
  ttlSeconds: number;
  /** Redis key prefix (KEY_PREFIX). */
  prefix: string;
  /** PUBLIC_URL; empty gives relative links. */
  publicUrl: string;
}

/**
 * Makes and checks view links. Without VIEW_LINK_SECRET the key is made once, at random, and
 * stored in Redis under `<prefix>:view-link-secret` (SET NX, no expiry): every API and worker
 * process on that Redis then signs and checks with the same key, which a per-process random key
 * would not give. Whoever can read that Redis can forge links, but can read every action anyway.
 */
export class ViewLinks {
  private key: Promise<Buffer> | null;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ViewLinkOptions,
  ) {
    this.key = options.secret ? Promise.resolve(Buffer.from(options.secret, 'utf8')) : null;
  }

  /** The signing key; Redis errors propagate (and the next call tries again). */
  private signingKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const name = keys(this.options.prefix).viewLinkSecret;
      await this.redis.set(name, randomBytes(32).toString('base64url'), 'NX');
      const stored = await this.redis.get(name);
      if (!stored) throw new Error(`${name} vanished from Redis right after it was set`);
      return Buffer.from(stored, 'utf8');
    })().catch((err: unknown) => {
      this.key = null;
      throw err;
    });
    return this.key;
  }

  /** Signs links for any number of actions with one key lookup: `link(id)` is valid from `nowMs` for the configured time. */
  async signer(nowMs = Date.now()): Promise<(id: string) => string> {
    const key = await this.signingKey();
    const base = this.options.publicUrl.replace(/\/+$/, '');
    const expires = Math.floor(nowMs / 1000) + this.options.ttlSeconds;
    return (id) => `${base}${viewPath(id)}?expires=${expires}&signature=${viewSignature(key, id, expires)}`;
  }

  async link(id: string, nowMs = Date.now()): Promise<string> {
    return (await this.signer(nowMs))(id);
  }

  async check(id: string, expires: unknown, signature: unknown, nowMs = Date.now()): Promise<ViewLinkVerdict> {
    return checkViewSignature(await this.signingKey(), id, expires, signature, Math.floor(nowMs / 1000));
  }
}
