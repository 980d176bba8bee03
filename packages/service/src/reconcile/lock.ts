import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.ts';

// Both scripts act only while the key still holds the caller's token, so a holder whose lock
// expired (and was taken by another process) can neither extend nor release the new holder's.
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * A lock held by one process of the fleet at a time: one Redis key set with NX and an expiry
 * (`ttlMs`), so that a holder that dies frees it by itself. The usual single-instance Redis lock
 * (Redis's "Distributed locks" page); one key, so it works on a Redis Cluster too.
 */
export class RedisLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** The holder's token when the lock was free and is now this caller's; null when another holds it. */
  async acquire(): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    return (await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX')) === 'OK' ? token : null;
  }

  /** Pushes the expiry `ttlMs` from now; false when the lock is no longer the caller's. */
  async extend(token: string): Promise<boolean> {
    return (await this.redis.eval(EXTEND_SCRIPT, 1, this.key, token, this.ttlMs)) === 1;
  }

  /** Frees the lock if the caller still holds it. */
  async release(token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, token);
  }
}
