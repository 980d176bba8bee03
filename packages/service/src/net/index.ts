export { classifyAddress, isIpLiteral, type AddressClass } from './address.ts';
export { UnsafeUrlError, isUnsafeUrlError, type UnsafeUrlReason } from './errors.ts';
export { assertSafeUrl, assertSafeAddress, type AddressPolicy } from './rules.ts';
export { createSafeLookup, safeLookup, assertResolvesSafely } from './lookup.ts';
export { createSafeHttp, type SafeHttpOptions } from './http.ts';
