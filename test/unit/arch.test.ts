import { describe, expect, it } from 'vitest';
import { archPlatform, archTagSuffix, parseArch, parseArchList, perArchTag } from '../../src/arch.js';
import { BadInputError } from '../../src/errors.js';

describe('arch vocabulary', () => {
  it.each([
    ['amd64', 'amd64'],
    ['x86_64', 'amd64'],
    ['arm64', 'arm64'],
    ['arm64v8', 'arm64'],
    ['aarch64', 'arm64'],
    ['linux/arm64', 'arm64'],
    [' ARM64V8 ', 'arm64'],
  ])('parses %j as %s', (input, expected) => {
    expect(parseArch(input)).toBe(expected);
  });

  it('rejects unknown arches with the accepted spellings in the message', () => {
    expect(() => parseArch('sparc')).toThrow(BadInputError);
    expect(() => parseArch('sparc')).toThrow(/amd64, arm64/);
  });

  it('parses lists in order; naming an arch twice (in any spelling) is bad input, not a silent one-arch list', () => {
    expect(parseArchList('arm64v8,amd64')).toEqual(['arm64', 'amd64']);
    expect(() => parseArchList('arm64v8,amd64,aarch64')).toThrow(/names arm64 twice/);
    expect(() => parseArchList(' , ')).toThrow(/no architecture/);
  });

  it('keeps the original per-arch tag convention', () => {
    expect(perArchTag('latest', 'amd64')).toBe('latest-amd64');
    expect(perArchTag('v1.2', 'arm64')).toBe('v1.2-arm64v8');
    expect(archTagSuffix('arm64')).toBe('arm64v8');
  });

  it('gives arm64 the v8 variant and amd64 none', () => {
    expect(archPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(archPlatform('amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
  });
});
