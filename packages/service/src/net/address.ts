import { isIPv4, isIPv6 } from 'node:net';

/** Why an address may not be reached from the service (absent when it is a public unicast address). */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

export const ADDRESS_CLASS_DESCRIPTION: Record<AddressClass, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private-network address',
  'link-local': 'a link-local address',
  cgnat: 'a carrier-grade NAT (shared) address',
  metadata: 'a cloud metadata address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved, documentation or tunnelling address',
};

interface Ipv4Range { base: number; bits: number; kind: AddressClass }

function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  return (((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3]) >>> 0;
}

function v4(cidr: string, kind: AddressClass): Ipv4Range {
  const [ip, bits] = cidr.split('/');
  return { base: ipv4ToNumber(ip), bits: Number(bits), kind };
}

// Order matters: the first match names the reason, so the narrow metadata host comes before link-local.
const IPV4_RANGES: Ipv4Range[] = [
  v4('169.254.169.254/32', 'metadata'),
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('240.0.0.0/4', 'reserved'),
];

function classifyIpv4(ip: string): AddressClass | undefined {
  const n = ipv4ToNumber(ip);
  for (const range of IPV4_RANGES) {
    const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
    if (((n & mask) >>> 0) === ((range.base & mask) >>> 0)) return range.kind;
  }
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped, embedded dotted IPv4 tail expanded). */
export function parseIpv6(ip: string): number[] | undefined {
  const address = ip.replace(/^\[|\]$/g, '').split('%')[0];
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToNumber(dotted[1]);
    text = text.slice(0, dotted.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

function groupsToIpv4(hi: number, lo: number): string {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

function classifyIpv6(groups: number[]): AddressClass | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  const zeroPrefix = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroPrefix(8)) return 'unspecified';
  if (zeroPrefix(7) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d)
  // forms reach the embedded IPv4 address, so they are judged by it.
  if (zeroPrefix(5) && g5 === 0xffff) return classifyIpv4(groupsToIpv4(g6, g7)) ;
  if (zeroPrefix(6)) return classifyIpv4(groupsToIpv4(g6, g7)) ?? 'reserved';
  if (zeroPrefix(4) && g4 === 0xffff && g5 === 0) return classifyIpv4(groupsToIpv4(g6, g7)) ?? 'reserved';
  // NAT64 well-known prefix 64:ff9b::/96 and 6to4 2002::/16 carry an IPv4 address too.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyIpv4(groupsToIpv4(g6, g7));
  }
  if (g0 === 0x2002) return classifyIpv4(groupsToIpv4(g1, g2)) ?? 'reserved';
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 0x254) {
    return 'metadata';
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved';
  if (g0 === 0x2001 && g1 === 0) return 'reserved';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved';
  return undefined;
}

/**
 * The reason an IP address must not be contacted, or undefined for a public unicast address.
 * Throws on text that is not an IP address.
 */
export function classifyAddress(ip: string): AddressClass | undefined {
  const address = ip.replace(/^\[|\]$/g, '');
  if (isIPv4(address)) return classifyIpv4(address);
  const groups = parseIpv6(address);
  if (groups) return classifyIpv6(groups);
  throw new TypeError(`not an IP address: ${ip}`);
}

export function isIpLiteral(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return isIPv4(bare) || isIPv6(bare.split('%')[0]);
}
