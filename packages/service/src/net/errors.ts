import type { AddressClass } from './address.ts';

export type UnsafeUrlReason = AddressClass | 'invalid_url' | 'scheme';

/**
 * An outbound URL the service refuses to contact: not http(s), or a host that is (or resolves to)
 * a loopback, private, link-local, metadata or otherwise internal address.
 */
export class UnsafeUrlError extends Error {
  static readonly CODE = 'ERR_UNSAFE_URL';
  readonly code = UnsafeUrlError.CODE;
  readonly reason: UnsafeUrlReason;
  readonly host: string | undefined;
  readonly address: string | undefined;
  constructor(message: string, reason: UnsafeUrlReason, where: { host?: string; address?: string } = {}) {
    super(message);
    this.name = 'UnsafeUrlError';
    this.reason = reason;
    this.host = where.host;
    this.address = where.address;
  }
}

/** True for an UnsafeUrlError, also when got or net wrapped it (got keeps the code and the cause). */
export function isUnsafeUrlError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    if (e instanceof UnsafeUrlError) return true;
    if (typeof e === 'object' && (e as { code?: unknown }).code === UnsafeUrlError.CODE) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
