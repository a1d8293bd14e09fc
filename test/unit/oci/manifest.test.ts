import { describe, expect, it } from 'vitest';
import { isAttestationDescriptor } from '../../../src/oci/descriptor.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { compressedImageSize, configPlatform, parseImageConfig, parseManifest } from '../../../src/oci/manifest.js';
import { MediaTypes } from '../../../src/oci/media-types.js';

const desc = (s: string, size = 10, mediaType: string = MediaTypes.ociLayerGzip) => ({ mediaType, digest: sha256Digest(s), size });

describe('parseManifest', () => {
  it('classifies by mediaType, Content-Type, or shape', () => {
    const manifest = { schemaVersion: 2, config: desc('c', 5, MediaTypes.ociConfig), layers: [desc('l', 7)] };
    expect(parseManifest(JSON.stringify({ ...manifest, mediaType: MediaTypes.dockerManifest })).mediaType).toBe(MediaTypes.dockerManifest);
    expect(parseManifest(JSON.stringify(manifest), `${MediaTypes.ociManifest}; charset=utf-8`).kind).toBe('manifest');
    expect(parseManifest(JSON.stringify(manifest)).mediaType).toBe(MediaTypes.ociManifest);
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind).toBe('index');
    const parsed = parseManifest(JSON.stringify(manifest));
    expect(parsed.kind === 'manifest' && compressedImageSize(parsed.manifest)).toBe(12);
  });

  it('rejects schema 1, unknown types and malformed content with one-line reasons', () => {
    expect(() => parseManifest(JSON.stringify({ schemaVersion: 1, name: 'x' }))).toThrow(/schema 1/);
    expect(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }))).toThrow(/unsupported media type/);
    expect(() => parseManifest('{')).toThrow(/not valid JSON/);
    expect(() => parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { digest: 'x' }, layers: [] }))).toThrow(/not a valid image manifest \(config/);
  });

  it('reads the platform from an image config', () => {
    const config = parseImageConfig(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: null }));
    expect(configPlatform(config)).toEqual({ architecture: 'arm64', os: 'linux' });
    expect(() => parseImageConfig(JSON.stringify({ os: 'linux' }))).toThrow(/architecture/);
  });

  it('recognises attestation descriptors', () => {
    expect(isAttestationDescriptor({ ...desc('a'), platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
    expect(isAttestationDescriptor({ ...desc('a'), annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestationDescriptor({ ...desc('a'), platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
  });
});
