import { cidrContains, parseCidr, type Cidr, type IpAddress } from './ip-address.js';

/**
 * What the operator lets through the SSRF guard despite its category: networks (CIDR or
 * single address), host names (`intranet.example`, `*.example` for subdomains), or `*`
 * for everything (the guard then only checks schemes).
 */
export interface AllowList {
  readonly all: boolean;
  readonly networks: readonly Cidr[];
  readonly hosts: readonly string[];
  readonly hostSuffixes: readonly string[];
}

export const EMPTY_ALLOW_LIST: AllowList = Object.freeze({ all: false, networks: [], hosts: [], hostSuffixes: [] });

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/**
 * Parses a comma- or space-separated allow-list (`BROWSE_ALLOW`); returns the entries it
 * could not read so the caller can refuse to start.
 */
export function parseAllowList(text: string): { allowList: AllowList; invalid: string[] } {
  const networks: Cidr[] = [];
  const hosts: string[] = [];
  const hostSuffixes: string[] = [];
  const invalid: string[] = [];
  let all = false;
  for (const raw of text.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      all = true;
      continue;
    }
    const cidr = parseCidr(entry);
    if (cidr) {
      networks.push(cidr);
    } else if (entry.startsWith('*.') && HOST_NAME.test(entry.slice(2))) {
      hostSuffixes.push(entry.slice(1));
    } else if (!entry.includes('/') && HOST_NAME.test(entry)) {
      hosts.push(entry.replace(/\.$/, ''));
    } else {
      invalid.push(raw);
    }
  }
  return { allowList: Object.freeze({ all, networks, hosts, hostSuffixes }), invalid };
}

/** True when the host name (lower-case, no brackets) is allow-listed by name. */
export function allowsHost(allowList: AllowList, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowList.all || allowList.hosts.includes(name) || allowList.hostSuffixes.some((suffix) => name.endsWith(suffix));
}

/** True when the address lies in an allow-listed network. */
export function allowsAddress(allowList: AllowList, address: IpAddress): boolean {
  return allowList.all || allowList.networks.some((cidr) => cidrContains(cidr, address));
}
