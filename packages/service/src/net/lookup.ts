import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { assertSafeAddress, type AddressPolicy } from './rules.ts';

/**
 * A DNS lookup for net/http/got that resolves every address of the name and fails the connection
 * if any of them is internal, so a public name pointed at 127.0.0.1 (or rebinding between a check
 * and the connect) cannot reach inside: the address that gets connected is one this lookup returned.
 */
export function createSafeLookup(policy: AddressPolicy = {}): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, options.all ? [] : '', undefined);
        return;
      }
      try {
        for (const { address } of addresses) assertSafeAddress(address, policy, hostname);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, options.all ? [] : '', undefined);
        return;
      }
      if (options.all) {
        callback(null, addresses);
      } else {
        const [first] = addresses;
        callback(null, first.address, first.family);
      }
    });
  };
}

/** The strict lookup: internal addresses refused. */
export const safeLookup: LookupFunction = createSafeLookup({ allowPrivate: false });

/** Resolves a URL's host now and throws UnsafeUrlError if any address is internal (for checks before queueing). */
export async function assertResolvesSafely(hostname: string, policy: AddressPolicy = {}): Promise<void> {
  if (policy.allowPrivate) return;
  const lookup = createSafeLookup(policy);
  await new Promise<void>((resolve, reject) => {
    lookup(hostname, { all: true }, (error) => (error ? reject(error) : resolve()));
  });
}
