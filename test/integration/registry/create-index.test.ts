import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { inspectImage } from '../../../src/registry-verbs/inspect-index.js';
import { resolveDigest, resolveImageSize } from '../../../src/registry-verbs/resolve-digest.js';
import { VerifyFailedError, verifyImage } from '../../../src/registry-verbs/verify-image.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { MediaTypes } from '../../../src/oci/media-types.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { makeSyntheticImage, pushRandomImage, pushSyntheticImage, type SyntheticImage } from '../../support/synthetic-image.js';

interface IndexJson {
  mediaType: string;
  manifests: Array<{ mediaType: string; digest: string; size: number; platform: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> }>;
  annotations?: Record<string, string>;
}

describe('createIndex against a real registry', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let amd64: SyntheticImage;
  let arm64: SyntheticImage;

  const getIndex = async (repo: string, ref: string): Promise<{ json: IndexJson; digest: string; contentType: string | null }> => {
    const response = await fetch(`${registry.url}/v2/${repo}/manifests/${ref}`, { headers: { accept: `${MediaTypes.ociIndex}, ${MediaTypes.dockerManifestList}` } });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    return { json: JSON.parse(bytes.toString('utf8')) as IndexJson, digest: sha256Digest(bytes), contentType: response.headers.get('content-type') };
  };

  beforeAll(async () => {
    registry = await startTestRegistry();
    client = new RegistryClient({ registry: registry.host });
    amd64 = await pushRandomImage(client, 'app', 'latest-amd64', { architecture: 'amd64' });
    // No variant in the config, as `docker build --platform linux/arm64` writes it.
    arm64 = await pushRandomImage(client, 'app', 'latest-arm64v8', { architecture: 'arm64' });
  });
  afterAll(async () => {
    await client.close();
    await registry.stop();
  });

  it('pushes an OCI index with platforms read from the configs, in one PUT under the tag', async () => {
    const before = registry.accessLog().length;
    const result = await createIndex({ target: `${registry.host}/app:latest`, sources: [`${registry.host}/app:latest-amd64`, `${registry.host}/app:latest-arm64v8`] });
    const log = registry.accessLog().slice(before);
    expect(result.pushed).toBe(true);
    expect(result.mediaType).toBe(MediaTypes.ociIndex);
    const { json, digest, contentType } = await getIndex('app', 'latest');
    expect(digest).toBe(result.digest);
    expect(contentType).toBe(MediaTypes.ociIndex);
    expect(json.mediaType).toBe(MediaTypes.ociIndex);
    expect(json.manifests.map((m) => [m.digest, m.platform])).toEqual([
      [amd64.manifestDigest, { architecture: 'amd64', os: 'linux' }],
      [arm64.manifestDigest, { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    ]);
    expect(json.manifests.map((m) => m.size)).toEqual([amd64.manifest.length, arm64.manifest.length]);
    const puts = log.filter((l) => l.includes('"PUT '));
    expect(puts).toHaveLength(1);
    expect(puts[0]).toContain('/v2/app/manifests/latest ');
    // the tag's current digest (HEAD, alongside the reads), one GET per manifest and per config, one PUT
    expect(log).toHaveLength(6);
    expect(log.filter((l) => l.includes('"HEAD /v2/app/manifests/latest '))).toHaveLength(1);
    // stored by digest too, from that one PUT
    expect((await client.headManifest('app', result.digest))?.digest).toBe(result.digest);
  });

  it('writes nothing when the tag already holds exactly this index (idempotent re-run)', async () => {
    const sources = [`${registry.host}/app:latest-amd64`, `${registry.host}/app:latest-arm64v8`];
    const first = await createIndex({ target: `${registry.host}/app:again`, sources });
    expect(first.unchanged).toBe(false);
    const before = registry.accessLog().length;
    const second = await createIndex({ target: `${registry.host}/app:again`, sources });
    expect(second).toMatchObject({ digest: first.digest, pushed: true, unchanged: true });
    expect(registry.accessLog().slice(before).filter((l) => /"(PUT|POST) /.test(l))).toEqual([]);
    // a different index under that tag is still replaced
    const third = await createIndex({ target: `${registry.host}/app:again`, sources: sources.slice(0, 1) });
    expect(third.unchanged).toBe(false);
    expect((await client.headManifest('app', 'again'))?.digest).toBe(third.digest);
  });

  it('--dry-run returns the same index and pushes nothing', async () => {
    const before = registry.accessLog().length;
    const result = await createIndex({ target: `${registry.host}/app:dry`, sources: [`${registry.host}/app:latest-amd64`, `${registry.host}/app:latest-arm64v8`], dryRun: true });
    expect(result.pushed).toBe(false);
    expect(registry.accessLog().slice(before).filter((l) => /"(PUT|POST) /.test(l))).toEqual([]);
    expect(await client.headManifest('app', 'dry')).toBeUndefined();
    expect((result.index as unknown as IndexJson).manifests).toHaveLength(2);
  });

  it('writes a Docker manifest list with --format docker and index annotations with oci', async () => {
    const docker = await createIndex({ target: `${registry.host}/app:docker`, sources: [`${registry.host}/app:latest-amd64`, `${registry.host}/app:latest-arm64v8`], format: 'docker' });
    expect(docker.mediaType).toBe(MediaTypes.dockerManifestList);
    expect((await getIndex('app', 'docker')).json.mediaType).toBe(MediaTypes.dockerManifestList);
    await createIndex({ target: `${registry.host}/app:annotated`, sources: [`${registry.host}/app:latest-amd64`], annotations: { 'org.opencontainers.image.source': 'https://example.invalid/repo' } });
    expect((await getIndex('app', 'annotated')).json.annotations).toEqual({ 'org.opencontainers.image.source': 'https://example.invalid/repo' });
  });

  it('expands an index source and drops attestation entries unless asked', async () => {
    const armv7 = await pushRandomImage(client, 'app', 'armv7', { architecture: 'arm', variant: 'v7', format: 'oci' });
    // An attestation manifest, BuildKit-style: unknown/unknown plus the reference annotations.
    const attestation = makeSyntheticImage({ architecture: 'unknown', os: 'unknown', format: 'oci' });
    await pushSyntheticImage(client, 'app', 'attestation', attestation);
    const withAttestation = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.ociManifest, digest: armv7.manifestDigest, size: armv7.manifest.length, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: MediaTypes.ociManifest, digest: attestation.manifestDigest, size: attestation.manifest.length, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': armv7.manifestDigest } },
      ],
    };
    await client.putManifest('app', 'armv7-index', Buffer.from(JSON.stringify(withAttestation)), MediaTypes.ociIndex);
    const sources = [`${registry.host}/app:latest`, `${registry.host}/app:armv7-index`];
    const result = await createIndex({ target: `${registry.host}/app:three`, sources });
    expect(result.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}/${m.platform.variant ?? ''}`)).toEqual(['linux/amd64/', 'linux/arm64/v8', 'linux/arm/v7']);
    const kept = await createIndex({ target: `${registry.host}/app:three-att`, sources, includeAttestations: true });
    expect(kept.manifests).toHaveLength(4);
    expect((await getIndex('app', 'three-att')).json.manifests[3]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('mounts blobs and copies manifests from another repository of the same registry', async () => {
    await pushRandomImage(client, 'team/amd', 'v1', { architecture: 'amd64' });
    await pushRandomImage(client, 'team/arm', 'v1', { architecture: 'arm64', variant: 'v8' });
    const before = registry.accessLog().length;
    const result = await createIndex({ target: `${registry.host}/release:v1`, sources: [`${registry.host}/team/amd:v1`, `${registry.host}/team/arm:v1`] });
    const log = registry.accessLog().slice(before);
    expect(result.copied).toHaveLength(2);
    expect(log.filter((l) => l.includes('"POST /v2/release/blobs/uploads/?mount=') && l.includes('" 201 '))).toHaveLength(4);
    const report = await verifyImage({ reference: `${registry.host}/release:v1` });
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.check === 'platform')).toHaveLength(2);
  });

  it('stops with CANCELLED on an aborted signal and pushes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await createIndex({ target: `${registry.host}/app:cancelled`, sources: [`${registry.host}/app:latest-amd64`], signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(await client.headManifest('app', 'cancelled')).toBeUndefined();
  });

  it('inspects, resolves digests and sizes, and verifies', async () => {
    const inspected = await inspectImage(`${registry.host}/app:latest`);
    expect(inspected.kind).toBe('index');
    expect(inspected.manifests.map((m) => m.imageSize)).toEqual([amd64.config.length + amd64.layer.length, arm64.config.length + arm64.layer.length]);
    const resolved = await resolveDigest(`${registry.host}/app:latest`);
    expect(resolved.digest).toBe(inspected.digest);
    expect(resolved.mediaType).toBe(MediaTypes.ociIndex);
    expect(await resolveImageSize(`${registry.host}/app:latest`, { platform: 'linux/arm64' })).toBe(arm64.config.length + arm64.layer.length);
    expect(await resolveImageSize(`${registry.host}/app:latest-amd64`)).toBe(amd64.config.length + amd64.layer.length);
    const plain = await verifyImage({ reference: `${registry.host}/app:latest-amd64` });
    expect(plain.kind).toBe('manifest');
    expect(plain.checks.every((c) => c.ok)).toBe(true);
  });

  it('verify fails precisely when a layer is missing or an entry lies about its platform', async () => {
    const image = await pushRandomImage(client, 'broken', 'amd64', { architecture: 'amd64' });
    await createIndex({ target: `${registry.host}/broken:multi`, sources: [`${registry.host}/broken:amd64`] });
    const lying = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length, platform: { os: 'linux', architecture: 'arm64' } }] };
    await client.putManifest('broken', 'lying', Buffer.from(JSON.stringify(lying)), MediaTypes.ociIndex);
    const platformError = await verifyImage({ reference: `${registry.host}/broken:lying` }).catch((e: unknown) => e);
    expect(platformError).toBeInstanceOf(VerifyFailedError);
    expect((platformError as Error).message).toContain('index says linux/arm64/v8, config says linux/amd64');
    const deleted = await fetch(`${registry.url}/v2/broken/blobs/${image.layerDigest}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    const layerError = await verifyImage({ reference: `${registry.host}/broken:multi` }).catch((e: unknown) => e);
    expect(layerError).toBeInstanceOf(VerifyFailedError);
    expect((layerError as VerifyFailedError).code).toBe('VERIFY_FAILED');
    expect((layerError as Error).message).toContain(`blob ${image.layerDigest} is missing`);
  });
});
