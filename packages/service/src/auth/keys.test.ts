import { describe, expect, it } from 'vitest';
import { ApiKeyConfigError, ApiKeyring } from './keys.ts';

describe('ApiKeyring', () => {
  const ring = new ApiKeyring('alice:client:alice-secret-1:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, ops:operator:ops-secret-22', 'platform-secret');

  it('finds the key a bearer secret belongs to, and nothing for others', () => {
    expect(ring.authenticateKey('alice-secret-1')).toEqual({ name: 'alice', role: 'client' });
    expect(ring.authenticateKey('ops-secret-22')).toEqual({ name: 'ops', role: 'operator' });
    expect(ring.authenticateKey('alice-secret-')).toBeNull();
    expect(ring.authenticateKey('platform-secret')).toBeNull();
  });

  it('recognises the platform only by its own secret', () => {
    expect(ring.authenticatePlatform('platform-secret')).toEqual({ name: 'ouro', role: 'platform' });
    expect(ring.authenticatePlatform('alice-secret-1')).toBeNull();
    expect(new ApiKeyring('', '').authenticatePlatform('')).toBeNull();
    expect(new ApiKeyring('', '').isEmpty).toBe(true);
  });

  it('keeps the webhook signing secret by key name', () => {
    expect(ring.webhookSecret('alice')).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(ring.webhookSecret('ops')).toBeUndefined();
  });

  it('does not keep the raw secrets', () => {
    expect(JSON.stringify(ring)).not.toContain('alice-secret-1');
    expect(JSON.stringify(ring)).not.toContain('platform-secret');
  });

  it('refuses malformed entries with a message naming the entry', () => {
    expect(() => new ApiKeyring('alice:client')).toThrow(/entry 1: expected name:role:secret/);
    expect(() => new ApiKeyring('alice:admin:long-enough')).toThrow(/role must be client or operator/);
    expect(() => new ApiKeyring('alice:client:short')).toThrow(/at least 8/);
    expect(() => new ApiKeyring('ouro:client:long-enough')).toThrow(/reserved/);
    expect(() => new ApiKeyring('a:client:long-enough,a:client:other-long')).toThrow(/used twice/);
    expect(() => new ApiKeyring('a:client:long-enough:secret')).toThrow(ApiKeyConfigError);
  });
});
