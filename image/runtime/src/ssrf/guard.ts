import { lookup } from 'node:dns/promises';
import { SsrfBlockedError, BadRequestError, NavigationError } from '../errors.js';
import { classifyAddress } from './address-classifier.js';
import { allowsAddress, allowsHost, type AllowList } from './allow-list.js';
import { formatIp, parseIp, type IpAddress } from './ip-address.js';

/** Resolves a host name to all its addresses; injectable so tests need no DNS server. */
export type HostResolver = (host: string, signal?: AbortSignal) => Promise<string[]>;

export const systemResolver: HostResolver = async (host) => {
  // verbatim: keep the resolver's order, which is also what a connect would try.
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
};

export interface SsrfGuardOptions {
  readonly allowList: AllowList;
  readonly resolve?: HostResolver;
  /**
   * Loopback ports of the service's own machinery (the egress proxy, Chromium debugging
   * ports of CDP sessions): refused even when the allow-list lets loopback through, since
   * reaching them would mean controlling another session's browser. Live set, read on
   * every check.
   */
  readonly reservedPorts?: ReadonlySet<number>;
}

/** Result of a passed check: the addresses a connection may use, in order. */
export interface CheckedHost {
  readonly host: string;
  readonly addresses: readonly string[];
}

/**
 * Decides whether the service may fetch a URL: only http(s), and only hosts whose every
 * resolved address is public or allow-listed. Checking *every* address matters: a name
 * with one public and one private record would otherwise pass the check and then connect
 * to the private one.
 */
export class SsrfGuard {
  readonly #allowList: AllowList;
  readonly #resolve: HostResolver;
  readonly #reservedPorts: ReadonlySet<number>;

  constructor(options: SsrfGuardOptions) {
    this.#allowList = options.allowList;
    this.#resolve = options.resolve ?? systemResolver;
    this.#reservedPorts = options.reservedPorts ?? new Set();
  }

  /** Throws SsrfBlockedError for a refused URL; otherwise returns the addresses to connect to. */
  async checkUrl(url: string, signal?: AbortSignal): Promise<CheckedHost> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new BadRequestError(`not a valid URL: ${truncate(url)}`, { cause: error });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new SsrfBlockedError(`blocked ${parsed.protocol} URL: only http and https may be fetched`);
    }
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    return this.checkHost(parsed.hostname, port, signal);
  }

  /** Checks a bare host (name or literal, IPv6 with or without brackets) and port. */
  async checkHost(hostText: string, port: number, signal?: AbortSignal): Promise<CheckedHost> {
    const host = hostText.toLowerCase().replace(/^\[|\]$/g, '');
    const literal = parseIp(host);
    const addresses = literal ? [host] : await this.#lookup(host, signal);
    const byName = !literal && allowsHost(this.#allowList, host);
    for (const text of addresses) {
      const address = parseIp(text);
      if (!address) throw new SsrfBlockedError(`blocked ${host}: resolver returned ${text}, not an address`);
      if (!byName) this.#checkAddress(host, address);
      const category = classifyAddress(address);
      if (this.#reservedPorts.has(port) && (category === 'loopback' || category === 'unspecified')) {
        throw new SsrfBlockedError(`blocked ${host}:${port}: the service's own endpoint`);
      }
    }
    return { host, addresses };
  }

  #checkAddress(host: string, address: IpAddress): void {
    if (allowsAddress(this.#allowList, address)) return;
    const category = classifyAddress(address);
    if (category === 'public') return;
    const shown = parseIp(host) ? host : formatIp(address);
    throw new SsrfBlockedError(`blocked ${host}: ${shown} is a ${category} address (allow it with BROWSE_ALLOW)`);
  }

  async #lookup(host: string, signal?: AbortSignal): Promise<string[]> {
    let addresses: string[];
    try {
      addresses = await this.#resolve(host, signal);
    } catch (error) {
      throw new NavigationError(`cannot resolve ${host}`, { cause: error });
    }
    if (addresses.length === 0) throw new NavigationError(`cannot resolve ${host}: no addresses`);
    return addresses;
  }
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
