import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/errors.js';
import { parseRequestTarget } from '../../../src/server/request-target.js';

const request = (url: string, host?: string) => ({ url, headers: host === undefined ? {} : { host } }) as IncomingMessage;

describe('parseRequestTarget', () => {
  it.each(['localhost:3000', 'browse.example', 'browse.example.', '127.0.0.1', '[::1]:3000', '[fd00::1]'])('accepts Host %s', (host) => {
    expect(parseRequestTarget(request('/health?x=1', host))).toMatchObject({ path: '/health' });
  });

  it.each(['[::1', '::1', 'a b', 'evil.example/x', 'host:port', 'host:123456', '-bad.example', ''])('refuses Host %j with a 400', (host) => {
    expect(() => parseRequestTarget(request('/health', host))).toThrow(BadRequestError);
  });

  it('refuses a target URL cannot parse, and reads the query', () => {
    expect(() => parseRequestTarget(request('http://[::1/health'))).toThrow(/malformed request target/);
    expect(parseRequestTarget(request('/json/version?token=abc')).query.get('token')).toBe('abc');
  });
});
