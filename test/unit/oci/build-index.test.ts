import { describe, expect, it } from 'vitest';
import { buildIndex, parseAnnotations, type IndexEntry } from '../../../src/oci/build-index.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { MediaTypes } from '../../../src/oci/media-types.js';

const entry = (arch: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({
  mediaType: MediaTypes.dockerManifest,
  digest: sha256Digest(arch),
  size: 100,
  platform: { os: 'linux', architecture: arch },
  source: `app:${arch}`,
  ...extra,
});

describe('buildIndex', () => {
  it('writes an OCI index with the top-level mediaType and normalised platforms', () => {
    const built = buildIndex({ format: 'oci', entries: [entry('amd64'), entry('arm64')] });
    expect(built.mediaType).toBe(MediaTypes.ociIndex);
    expect(built.json).toEqual({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: sha256Digest('amd64'), size: 100, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: MediaTypes.dockerManifest, digest: sha256Digest('arm64'), size: 100, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    });
    expect(built.digest).toBe(sha256Digest(built.bytes));
    expect(built.size).toBe(built.bytes.length);
  });

  it('is deterministic and writes a Docker manifest list on request', () => {
    const a = buildIndex({ format: 'docker', entries: [entry('amd64')] });
    const b = buildIndex({ format: 'docker', entries: [entry('amd64')] });
    expect(a.digest).toBe(b.digest);
    expect(a.json['mediaType']).toBe(MediaTypes.dockerManifestList);
  });

  it('rejects duplicate platforms (after normalisation), naming both sources', () => {
    const variantless = entry('arm64', { source: 'app:one' });
    const v8 = entry('arm64', { digest: sha256Digest('other'), source: 'app:two', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    expect(() => buildIndex({ format: 'oci', entries: [variantless, v8] })).toThrow('duplicate platform linux/arm64/v8: app:one and app:two');
  });

  it('exempts attestation entries from the duplicate check and keeps their annotations', () => {
    const att = (d: string): IndexEntry => entry('unknown', { digest: sha256Digest(d), platform: { os: 'unknown', architecture: 'unknown' }, attestation: true, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } });
    const built = buildIndex({ format: 'oci', entries: [entry('amd64'), att('1'), att('2')] });
    expect((built.json['manifests'] as unknown[]).length).toBe(3);
  });

  it('adds index annotations (OCI only) and refuses an empty index', () => {
    expect(buildIndex({ format: 'oci', entries: [entry('amd64')], annotations: { a: 'b' } }).json['annotations']).toEqual({ a: 'b' });
    expect(() => buildIndex({ format: 'docker', entries: [entry('amd64')], annotations: { a: 'b' } })).toThrow(/no annotations/);
    expect(() => buildIndex({ format: 'oci', entries: [] })).toThrow(/at least one/);
  });

  it('parses k=v annotations', () => {
    expect(parseAnnotations(['a=b', 'c=d=e', 'empty='])).toEqual({ a: 'b', c: 'd=e', empty: '' });
    expect(() => parseAnnotations(['=x'])).toThrow(/expected key=value/);
  });
});
