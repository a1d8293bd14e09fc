import { describe, expect, it } from 'vitest';
import { mergeScopes, parseChallenge, scopeAtoms } from '../../../src/registry/auth/challenge.js';
import { parseEcrHost } from '../../../src/registry/auth/ecr.js';
import { backoffDelay, parseRetryAfter } from '../../../src/registry/retry.js';

describe('WWW-Authenticate parsing', () => {
  it('parses a bearer challenge with a comma inside the quoted scope', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
    expect(parseChallenge(header)).toEqual({ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } });
  });

  it('parses basic, unquoted values, escapes and errors', () => {
    expect(parseChallenge('Basic realm="test-registry"')).toEqual({ scheme: 'basic', params: { realm: 'test-registry' } });
    expect(parseChallenge('Bearer realm=https://x/token, error="insufficient_scope"')?.params).toEqual({ realm: 'https://x/token', error: 'insufficient_scope' });
    expect(parseChallenge('Bearer realm="a\\"b"')?.params['realm']).toBe('a"b');
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe('scopes', () => {
  it('splits into atoms and merges back per resource', () => {
    expect(scopeAtoms(['repository:a/b:pull,push', 'repository:c:pull'])).toEqual(['repository:a/b:pull', 'repository:a/b:push', 'repository:c:pull']);
    expect(mergeScopes(['repository:c:pull', 'repository:a:push', 'repository:a:pull'])).toEqual(['repository:a:pull,push', 'repository:c:pull']);
    expect(scopeAtoms('repository:a:pull registry:catalog:*')).toEqual(['repository:a:pull', 'registry:catalog:*']);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(0, { baseDelayMs: 100 }, () => 0)).toBe(50);
    expect(backoffDelay(3, { baseDelayMs: 100 }, () => 1)).toBe(800);
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1)).toBe(1000);
  });
});

describe('ECR hosts', () => {
  it('recognises ECR registry hosts and their region', () => {
    expect(parseEcrHost('123456789012.dkr.ecr.us-east-1.amazonaws.com')).toEqual({ accountId: '123456789012', region: 'us-east-1' });
    expect(parseEcrHost('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')?.region).toBe('us-gov-west-1');
    expect(parseEcrHost('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region).toBe('cn-north-1');
    expect(parseEcrHost('registry.example.com')).toBeUndefined();
  });
});
