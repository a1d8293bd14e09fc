import { cidrContains, parseCidr, type Cidr, type IpAddress } from './ip-address.js';

/**
 * What kind of network an address belongs to. Everything but `public` is refused by the
 * SSRF guard unless the allow-list names it.
 */
export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

interface RangeEntry {
  readonly cidr: Cidr;
  readonly category: AddressCategory;
}

function table(entries: ReadonlyArray<readonly [string, AddressCategory]>): readonly RangeEntry[] {
  return entries.map(([text, category]) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad range in table: ${text}`);
    return { cidr, category };
  });
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast and
// the reserved class E. 169.254.169.254 (cloud metadata) is link-local.
const V4_RANGES = table([
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

// IANA IPv6 Special-Purpose Address Registry. Ranges that embed an IPv4 address
// (mapped, compatible, NAT64, 6to4) are handled before this table so that the embedded
// address decides; fd00:ec2::254 (AWS metadata over IPv6) is unique-local.
const V6_RANGES = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
]);

const V4_MAPPED = parseCidr('::ffff:0:0/96') as Cidr;
const V4_COMPATIBLE = parseCidr('::/96') as Cidr;
const NAT64 = parseCidr('64:ff9b::/96') as Cidr;
const SIX_TO_FOUR = parseCidr('2002::/16') as Cidr;

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: IpAddress): IpAddress | null {
  if (address.version !== 6) return null;
  const low32 = address.value & 0xffffffffn;
  if (cidrContains(V4_MAPPED, address) || cidrContains(NAT64, address)) return { version: 4, value: low32 };
  // ::/96 minus :: and ::1, which the table classifies.
  if (cidrContains(V4_COMPATIBLE, address) && address.value > 1n) return { version: 4, value: low32 };
  if (cidrContains(SIX_TO_FOUR, address)) return { version: 4, value: (address.value >> 80n) & 0xffffffffn };
  return null;
}

/** Classifies an address; pure, no I/O. */
export function classifyAddress(address: IpAddress): AddressCategory {
  const embedded = embeddedIpv4(address);
  if (embedded) return classifyAddress(embedded);
  const ranges = address.version === 4 ? V4_RANGES : V6_RANGES;
  for (const entry of ranges) {
    if (cidrContains(entry.cidr, address)) return entry.category;
  }
  // Outside 2000::/3 nothing is allocated for global unicast.
  if (address.version === 6 && address.value >> 125n !== 1n) return 'reserved';
  return 'public';
}
