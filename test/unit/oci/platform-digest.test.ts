import { describe, expect, it } from 'vitest';
import { isDigest, parseDigest, sha256Digest, shortDigest } from '../../../src/oci/digest.js';
import { formatPlatform, normalizePlatform, parsePlatform, platformsEqual } from '../../../src/oci/platform.js';

describe('digests', () => {
  it('hashes with sha256 and validates the canonical form', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(isDigest(sha256Digest('x'))).toBe(true);
    expect(() => parseDigest(`sha256:${'A'.repeat(64)}`)).toThrow(/invalid digest/);
    expect(() => parseDigest(`sha512:${'a'.repeat(128)}`)).toThrow(/only sha256/);
    expect(shortDigest(sha256Digest(''))).toBe('sha256:e3b0c44298fc');
  });
});

describe('platforms', () => {
  it('normalises arm64 to variant v8 and GOARCH names', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'arm64' })).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(normalizePlatform({ os: 'Linux', architecture: 'aarch64' })).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(normalizePlatform({ os: 'linux', architecture: 'x86_64' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(normalizePlatform({ os: 'linux', architecture: 'arm' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  it('compares after normalisation, including os.version', () => {
    expect(platformsEqual({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(platformsEqual({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
    expect(platformsEqual({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' }, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' })).toBe(false);
  });

  it('formats and parses os/arch/variant', () => {
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.1' })).toBe('windows/amd64 (os.version 10.0.1)');
    expect(() => parsePlatform('linux')).toThrow(/invalid platform/);
    expect(() => parsePlatform('linux/arm/v7/x')).toThrow(/invalid platform/);
  });
});
