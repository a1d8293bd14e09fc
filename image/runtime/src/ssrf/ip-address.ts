import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number, so that range checks are plain comparisons. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

/** Parses a literal IPv4 or IPv6 address (brackets and a zone id are tolerated); null if not one. */
export function parseIp(text: string): IpAddress | null {
  let literal = text.trim();
  if (literal.startsWith('[') && literal.endsWith(']')) literal = literal.slice(1, -1);
  const zone = literal.indexOf('%');
  if (zone >= 0) literal = literal.slice(0, zone);
  if (isIPv4(literal)) return { version: 4, value: parseV4(literal) };
  if (isIPv6(literal)) return { version: 6, value: parseV6(literal) };
  return null;
}

function parseV4(literal: string): bigint {
  return literal.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseV6(literal: string): bigint {
  let text = literal.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** Formats an address back to text (IPv6 in full, uncompressed form; enough for messages). */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((address.value >> shift) & 0xffn).toString()).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((address.value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

/** A network: base address and prefix length. */
export interface Cidr {
  readonly version: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a /32 or /128); null if malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const address = parseIp(addressText);
  if (!address) return null;
  const bits = address.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return null;
  return { version: address.version, base: address.value & mask(bits, prefix), prefix };
}

/** True when the address lies inside the network. */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.version !== address.version) return false;
  const bits = cidr.version === 4 ? 32 : 128;
  return (address.value & mask(bits, cidr.prefix)) === cidr.base;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}
