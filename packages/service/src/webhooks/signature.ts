import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks symmetric signatures: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the
 * base64 key that follows `whsec_`, sent as `webhook-signature: v1,<base64>`.
 */
const SECRET_PREFIX = 'whsec_';

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/** The raw HMAC key of a `whsec_...` secret (the prefix is optional, as the spec's libraries accept). */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new WebhookSecretError('webhook signing secret must be whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookSecretError('webhook signing secret is empty');
  return key;
}

export interface SignedContent {
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes sent as the body. */
  body: string;
}

export function signWebhook(secret: string, content: SignedContent): string {
  if (content.id.includes('.') || !Number.isInteger(content.timestamp)) {
    throw new WebhookSecretError('webhook id must not contain "." and the timestamp must be whole seconds');
  }
  const mac = createHmac('sha256', decodeSecret(secret)).update(`${content.id}.${content.timestamp}.${content.body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers for one attempt. */
export function webhookHeaders(secret: string | undefined, content: SignedContent): Record<string, string> {
  const headers: Record<string, string> = {
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
  };
  if (secret) headers['webhook-signature'] = signWebhook(secret, content);
  return headers;
}

/**
 * What a receiver does: true when one of the space-separated `v1,` signatures matches and the
 * timestamp is within `toleranceSeconds` of `now` (replay protection).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, { id: headers.id, timestamp, body }).slice(3), 'base64');
  return headers.signature.split(' ').some((candidate) => {
    const [version, mac] = candidate.split(',');
    if (version !== 'v1' || !mac) return false;
    const given = Buffer.from(mac, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
