import { ADDRESS_CLASS_DESCRIPTION, classifyAddress, isIpLiteral } from './address.ts';
import { UnsafeUrlError } from './errors.ts';

export interface AddressPolicy {
  /** ALLOW_PRIVATE_URLS: let loopback, private, link-local and the other internal ranges through. */
  allowPrivate?: boolean;
}

const ALLOW_HINT = 'set ALLOW_PRIVATE_URLS=true to allow internal addresses';

/** Throws UnsafeUrlError when `address` (an IP) may not be contacted under `policy`. */
export function assertSafeAddress(address: string, policy: AddressPolicy = {}, host?: string): void {
  if (policy.allowPrivate) return;
  const kind = classifyAddress(address);
  if (!kind) return;
  const shown = host && host !== address ? `${host} resolves to ${address}, which` : address;
  throw new UnsafeUrlError(
    `Refused to connect: ${shown} is ${ADDRESS_CLASS_DESCRIPTION[kind]} (${ALLOW_HINT})`,
    kind,
    { host, address },
  );
}

/**
 * Checks what can be judged without DNS: the URL parses, its scheme is http or https, and a host
 * given as an IP literal (in any spelling the URL parser accepts: 2130706433, 0x7f.1, [::ffff:7f00:1])
 * or as a `localhost` name is not internal. Names are judged again, address by address, when the
 * connection is made (see safeLookup). Returns the parsed URL.
 */
export function assertSafeUrl(input: string | URL, policy: AddressPolicy = {}): URL {
  let url: URL;
  try {
    url = input instanceof URL ? input : new URL(input);
  } catch {
    throw new UnsafeUrlError(`Not a valid absolute URL: ${String(input).slice(0, 200)}`, 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError(`Only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}`, 'scheme', {
      host: url.hostname,
    });
  }
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIpLiteral(host)) {
    assertSafeAddress(host, policy);
  } else {
    const name = host.toLowerCase().replace(/\.$/, '');
    // RFC 6761: every *.localhost name is loopback, whatever a resolver says.
    if (name === 'localhost' || name.endsWith('.localhost')) {
      throw new UnsafeUrlError(`Refused to connect: ${host} is ${ADDRESS_CLASS_DESCRIPTION.loopback} (${ALLOW_HINT})`, 'loopback', {
        host,
      });
    }
  }
  return url;
}
