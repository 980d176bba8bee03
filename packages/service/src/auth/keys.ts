import { createHash, timingSafeEqual } from 'node:crypto';

export type Role = 'client' | 'operator' | 'platform';

/** Who is calling: an API key's name and role, or the Ouro platform (`name` 'ouro'). */
export interface Principal {
  name: string;
  role: Role;
}

export const PLATFORM_OWNER = 'ouro';

export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

interface StoredKey {
  name: string;
  role: 'client' | 'operator';
  hash: Buffer;
  webhookSecret?: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The configured credentials. Secrets are kept only as SHA-256 digests and compared in constant
 * time against every key, so neither a match's position nor a near miss shows in the timing.
 * Webhook signing secrets (`whsec_...`) are kept as given: signing needs them.
 */
export class ApiKeyring {
  private readonly keys: StoredKey[] = [];
  private readonly platformHash: Buffer | null;

  constructor(apiKeys: string, ouroServiceSecret = '') {
    const seen = new Set<string>();
    const entries = apiKeys
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const [i, entry] of entries.entries()) {
      const parts = entry.split(':');
      const where = `API_KEYS entry ${i + 1}`;
      if (parts.length < 3 || parts.length > 4) throw new ApiKeyConfigError(`${where}: expected name:role:secret[:whsec_...]`);
      const [name, role, secret, webhookSecret] = parts;
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ApiKeyConfigError(`${where}: name must be 1-64 letters, digits, '.', '_' or '-'`);
      if (name === PLATFORM_OWNER) throw new ApiKeyConfigError(`${where}: the name '${PLATFORM_OWNER}' is reserved for the platform`);
      if (seen.has(name)) throw new ApiKeyConfigError(`${where}: the name '${name}' is used twice`);
      if (role !== 'client' && role !== 'operator') throw new ApiKeyConfigError(`${where} (${name}): role must be client or operator`);
      if (secret.length < 8) throw new ApiKeyConfigError(`${where} (${name}): the secret must have at least 8 characters`);
      if (webhookSecret !== undefined && !/^whsec_[A-Za-z0-9+/=]+$/.test(webhookSecret)) {
        throw new ApiKeyConfigError(`${where} (${name}): the fourth field must be a whsec_<base64> webhook secret`);
      }
      seen.add(name);
      this.keys.push({ name, role, hash: sha256(secret), ...(webhookSecret ? { webhookSecret } : {}) });
    }
    this.platformHash = ouroServiceSecret ? sha256(ouroServiceSecret) : null;
  }

  get isEmpty(): boolean {
    return this.keys.length === 0 && this.platformHash === null;
  }

  /** The principal for a bearer token, or null. */
  authenticateKey(secret: string): Principal | null {
    const hash = sha256(secret);
    let match: StoredKey | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash) && match === null) match = key;
    }
    return match ? { name: match.name, role: match.role } : null;
  }

  /** The platform, when `secret` is OURO_SERVICE_SECRET. */
  authenticatePlatform(secret: string): Principal | null {
    if (!this.platformHash) return null;
    return timingSafeEqual(sha256(secret), this.platformHash) ? { name: PLATFORM_OWNER, role: 'platform' } : null;
  }

  /** The `whsec_...` secret that signs direct webhooks of actions owned by `name`. */
  webhookSecret(name: string): string | undefined {
    return this.keys.find((k) => k.name === name)?.webhookSecret;
  }

  names(): { name: string; role: string }[] {
    return this.keys.map((k) => ({ name: k.name, role: k.role }));
  }
}
