import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BASE_CHROMIUM_ARGS, browserEnvironment, chromiumArgs } from '../../src/browser/launch.js';
import { BrowseError } from '../../src/errors.js';
import { authenticate } from '../../src/server/auth.js';
import { toErrorResponse } from '../../src/server/http-errors.js';
import { pickRequestId } from '../../src/server/request-handler.js';

const browser = { executablePath: '/usr/bin/chromium', extraArgs: ['--lang=de'] } as const;

describe('chromiumArgs', () => {
  it('sends loopback through the egress proxy too, and keeps WebRTC on it', () => {
    const args = chromiumArgs({ browser, proxyUrl: 'http://127.0.0.1:9999' });
    expect(args).toEqual(expect.arrayContaining([...BASE_CHROMIUM_ARGS, '--proxy-server=http://127.0.0.1:9999', '--proxy-bypass-list=<-loopback>', '--force-webrtc-ip-handling-policy=disable_non_proxied_udp', '--lang=de']));
  });

  it('has no proxy for the CLI', () => {
    expect(chromiumArgs({ browser }).some((arg) => arg.startsWith('--proxy'))).toBe(false);
  });
});

function request(headers: Record<string, string>, url = '/'): IncomingMessage {
  return { headers, url } as unknown as IncomingMessage;
}

describe('browserEnvironment', () => {
  const env = { PATH: '/usr/bin', BROWSE_TOKEN: 'secret', BROWSE_PORT: '3000', CHROMIUM_EXTRA_FLAGS: '--no-sandbox --no-zygote --disable-sync' };

  it('keeps the service settings (the token) out of Chromium', () => {
    const out = browserEnvironment(env);
    expect(out).toEqual({ PATH: '/usr/bin', CHROMIUM_EXTRA_FLAGS: env.CHROMIUM_EXTRA_FLAGS });
  });
});

describe('authenticate', () => {
  const token = 'a-token-of-some-length';
  it('accepts the token from Bearer, X-Browse-Token or the query', () => {
    expect(() => authenticate(request({ authorization: `Bearer ${token}` }), token)).not.toThrow();
    expect(() => authenticate(request({ 'x-browse-token': token }), token)).not.toThrow();
    expect(() => authenticate(request({}, `/x?token=${token}`), token)).not.toThrow();
  });

  it('refuses a missing or wrong token, and lets everything through when auth is off', () => {
    expect(() => authenticate(request({}), token)).toThrow(/token required/);
    expect(() => authenticate(request({ authorization: 'Bearer nope' }), token)).toThrow(/invalid token/);
    expect(() => authenticate(request({ authorization: `Basic ${token}` }), token)).toThrow(/token required/);
    expect(() => authenticate(request({}), null)).not.toThrow();
  });
});

describe('toErrorResponse', () => {
  it('shows BrowseError messages and hides everything else', () => {
    expect(toErrorResponse(new BrowseError('TIMEOUT', 'the job timed out'), 'r1')).toMatchObject({ status: 504, body: { error: { code: 'TIMEOUT', message: 'the job timed out', requestId: 'r1' } } });
    const hidden = toErrorResponse(new Error('ECONNRESET at /opt/browse/dist/x.js:12'), 'r2');
    expect(hidden.status).toBe(500);
    expect(JSON.stringify(hidden.body)).not.toMatch(/ECONNRESET|\.js/);
    expect(toErrorResponse(new BrowseError('CONFIG', 'secret path /etc/x'), 'r3').status).toBe(500);
  });
});

describe('pickRequestId', () => {
  it('keeps a sane caller id and replaces anything else', () => {
    expect(pickRequestId('abc-123')).toBe('abc-123');
    expect(pickRequestId('bad id\n')).toMatch(/^[0-9a-f-]{36}$/);
    expect(pickRequestId(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
