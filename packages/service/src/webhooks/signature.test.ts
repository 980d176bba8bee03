import { describe, expect, it } from 'vitest';
import { decodeSecret, signWebhook, verifyWebhook, webhookHeaders, WebhookSecretError } from './signature.ts';

// The signing test vector published with the Standard Webhooks reference libraries.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('matches the published test vector', () => {
    expect(signWebhook(VECTOR.secret, VECTOR)).toBe(VECTOR.signature);
  });

  it('accepts the secret with or without its whsec_ prefix', () => {
    expect(signWebhook(VECTOR.secret.slice('whsec_'.length), VECTOR)).toBe(VECTOR.signature);
  });

  it('changes with any of id, timestamp and body', () => {
    expect(signWebhook(VECTOR.secret, { ...VECTOR, id: 'msg_other' })).not.toBe(VECTOR.signature);
    expect(signWebhook(VECTOR.secret, { ...VECTOR, timestamp: VECTOR.timestamp + 1 })).not.toBe(VECTOR.signature);
    expect(signWebhook(VECTOR.secret, { ...VECTOR, body: '{"test":2432232314}' })).not.toBe(VECTOR.signature);
  });

  it('verifies the vector within the tolerance and rejects replays and tampering', () => {
    const headers = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: VECTOR.timestamp + 10 })).toBe(true);
    expect(verifyWebhook(VECTOR.secret, { ...headers, signature: `v1,bogus ${VECTOR.signature}` }, VECTOR.body, { now: VECTOR.timestamp })).toBe(true);
    expect(verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: VECTOR.timestamp + 301 })).toBe(false);
    expect(verifyWebhook(VECTOR.secret, headers, `${VECTOR.body} `, { now: VECTOR.timestamp })).toBe(false);
  });

  it('sends id and timestamp always and the signature when there is a secret', () => {
    expect(webhookHeaders(VECTOR.secret, VECTOR)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
    expect(webhookHeaders(undefined, VECTOR)).not.toHaveProperty('webhook-signature');
  });

  it('refuses a secret that is not base64 and an id containing a full stop', () => {
    expect(() => decodeSecret('whsec_not base64!')).toThrow(WebhookSecretError);
    expect(() => signWebhook(VECTOR.secret, { ...VECTOR, id: 'msg.1' })).toThrow(WebhookSecretError);
  });
});
