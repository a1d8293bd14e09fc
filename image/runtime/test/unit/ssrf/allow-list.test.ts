import { describe, expect, it } from 'vitest';
import { allowsAddress, allowsHost, parseAllowList } from '../../../src/ssrf/allow-list.js';
import { parseIp } from '../../../src/ssrf/ip-address.js';

function ip(text: string) {
  const address = parseIp(text);
  if (!address) throw new Error(text);
  return address;
}

describe('parseAllowList', () => {
  it('reads networks, addresses, host names and suffixes, comma or space separated', () => {
    const { allowList, invalid } = parseAllowList('127.0.0.1, 10.0.0.0/8 fd00::/8 intranet.example,*.corp.example');
    expect(invalid).toEqual([]);
    expect(allowsAddress(allowList, ip('127.0.0.1'))).toBe(true);
    expect(allowsAddress(allowList, ip('127.0.0.2'))).toBe(false);
    expect(allowsAddress(allowList, ip('10.9.8.7'))).toBe(true);
    expect(allowsAddress(allowList, ip('fd12::1'))).toBe(true);
    expect(allowsAddress(allowList, ip('::1'))).toBe(false);
    expect(allowsHost(allowList, 'INTRANET.example')).toBe(true);
    expect(allowsHost(allowList, 'a.b.corp.example')).toBe(true);
    expect(allowsHost(allowList, 'corp.example')).toBe(false);
    expect(allowsHost(allowList, 'evil-intranet.example')).toBe(false);
  });

  it('reports what it cannot read', () => {
    expect(parseAllowList('10.0.0.0/33, 1.2.3.4/x, http://a, ok.example').invalid).toEqual(['10.0.0.0/33', '1.2.3.4/x', 'http://a']);
  });

  it('* allows everything', () => {
    const { allowList } = parseAllowList('*');
    expect(allowsAddress(allowList, ip('169.254.169.254'))).toBe(true);
    expect(allowsHost(allowList, 'anything')).toBe(true);
  });
});
