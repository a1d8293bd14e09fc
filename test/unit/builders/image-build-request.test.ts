import { describe, expect, it } from 'vitest';
import { formatArchTag, imageBuildRequest } from '../../../src/builders/image-build-request.js';
import { BadInputError } from '../../../src/errors.js';

const metadata = { version: '1.2.3', revision: 'abc123', created: '2026-11-26T00:00:00Z', source: 'https://example.invalid/repo' };

describe('image build request', () => {
  it('passes the original ARCH value and the OCI label arguments', () => {
    const request = imageBuildRequest({
      arch: 'arm64',
      tag: 'app:latest-arm64v8',
      contextDir: '/ctx',
      baseImage: 'multiarch-base:trixie-arm64',
      buildBaseImage: 'multiarch-base:trixie-amd64',
      metadata,
      logFile: '/tmp/log',
    });
    expect(request.dockerfile).toBe('/ctx/Dockerfile');
    expect(request.buildArgs).toEqual({
      ARCH: 'arm64v8',
      VERSION: '1.2.3',
      REVISION: 'abc123',
      CREATED: '2026-11-26T00:00:00Z',
      SOURCE: 'https://example.invalid/repo',
      BASE_IMAGE: 'multiarch-base:trixie-arm64',
      BUILD_BASE_IMAGE: 'multiarch-base:trixie-amd64',
    });
    expect(request.secrets).toEqual([]);
  });

  it('leaves the Dockerfile default base alone when none is chosen', () => {
    const request = imageBuildRequest({ arch: 'amd64', tag: 't', contextDir: '/c', metadata, logFile: '/l' });
    expect(request.buildArgs).not.toHaveProperty('BASE_IMAGE');
    expect(request.buildArgs).not.toHaveProperty('BUILD_BASE_IMAGE');
  });

  it('refuses a CA bundle that does not exist instead of building without it', () => {
    expect(() => imageBuildRequest({ arch: 'amd64', tag: 't', contextDir: '/c', metadata, logFile: '/l', caBundle: '/nope/ca.pem' })).toThrow(BadInputError);
  });

  it('formats per-arch tags from a template', () => {
    expect(formatArchTag('{tag}-{suffix}', 'latest', 'arm64')).toBe('latest-arm64v8');
    expect(formatArchTag('{arch}-{tag}', 'v2', 'amd64')).toBe('amd64-v2');
    expect(() => formatArchTag('{tag}', 'latest', 'amd64')).toThrow(/must contain/);
  });
});
