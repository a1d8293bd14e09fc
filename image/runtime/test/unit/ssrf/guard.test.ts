import { describe, expect, it } from 'vitest';
import { SsrfBlockedError, NavigationError, BadRequestError } from '../../../src/errors.js';
import { parseAllowList } from '../../../src/ssrf/allow-list.js';
import { SsrfGuard, type HostResolver } from '../../../src/ssrf/guard.js';

// A fixed resolver: no DNS traffic at all.
const RECORDS: Record<string, string[]> = {
  'public.test': ['93.184.215.14'],
  'mixed.test': ['93.184.215.14', '10.0.0.5'],
  'metadata.test': ['169.254.169.254'],
  'loop.test': ['127.0.0.1'],
  'v6loop.test': ['::1'],
};
const resolve: HostResolver = async (host) => {
  const records = RECORDS[host];
  if (!records) throw new Error(`ENOTFOUND ${host}`);
  return records;
};

function guard(allow = ''): SsrfGuard {
  return new SsrfGuard({ allowList: parseAllowList(allow).allowList, resolve });
}

describe('SsrfGuard', () => {
  it('lets public hosts through and returns the checked addresses', async () => {
    await expect(guard().checkUrl('https://public.test/x')).resolves.toEqual({ host: 'public.test', addresses: ['93.184.215.14'] });
  });

  it.each(['file:///etc/passwd', 'chrome://version', 'javascript:alert(1)', 'data:text/html,hi', 'ftp://public.test/', 'ws://public.test/'])('blocks the scheme of %s', async (url) => {
    await expect(guard().checkUrl(url)).rejects.toBeInstanceOf(SsrfBlockedError);
  });

  it('blocks a name when any of its addresses is not public', async () => {
    await expect(guard().checkUrl('http://mixed.test/')).rejects.toThrow(/10\.0\.0\.5 is a private address/);
    await expect(guard().checkUrl('http://metadata.test/')).rejects.toThrow(/link-local/);
    await expect(guard().checkUrl('http://loop.test/')).rejects.toThrow(/loopback/);
    await expect(guard().checkUrl('http://v6loop.test/')).rejects.toThrow(/loopback/);
  });

  it.each(['http://127.0.0.1/', 'http://[::1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:169.254.169.254]/', 'http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0/'])('blocks the literal %s', async (url) => {
    await expect(guard().checkUrl(url)).rejects.toBeInstanceOf(SsrfBlockedError);
  });

  it('honours the allow-list by network and by name', async () => {
    await expect(guard('127.0.0.0/8').checkUrl('http://loop.test/')).resolves.toMatchObject({ addresses: ['127.0.0.1'] });
    await expect(guard('loop.test').checkUrl('http://loop.test/')).resolves.toBeDefined();
    await expect(guard('127.0.0.0/8').checkUrl('http://v6loop.test/')).rejects.toBeInstanceOf(SsrfBlockedError);
  });

  it('refuses reserved loopback ports whatever the allow-list says', async () => {
    const reserved = new SsrfGuard({ allowList: parseAllowList('127.0.0.0/8, loop.test').allowList, resolve, reservedPorts: new Set([9222]) });
    await expect(reserved.checkUrl('http://127.0.0.1:9222/json/version')).rejects.toThrow(/the service's own endpoint/);
    await expect(reserved.checkUrl('http://loop.test:9222/')).rejects.toThrow(/the service's own endpoint/);
    await expect(reserved.checkUrl('http://127.0.0.1:9223/')).resolves.toBeDefined();
    await expect(reserved.checkHost('127.0.0.1', 9222)).rejects.toBeInstanceOf(SsrfBlockedError);
  });

  it('reports unresolvable hosts and malformed URLs as such', async () => {
    await expect(guard().checkUrl('http://nowhere.test/')).rejects.toBeInstanceOf(NavigationError);
    await expect(guard().checkUrl('not a url')).rejects.toBeInstanceOf(BadRequestError);
  });
});
