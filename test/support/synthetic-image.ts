import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sha256Digest, type Digest } from '../../src/oci/digest.js';
import { MediaTypes } from '../../src/oci/media-types.js';
import type { RegistryClient } from '../../src/registry/client.js';

/**
 * A random, small but real container image for any platform: one gzip layer holding one
 * file, a proper config (architecture, os, variant, rootfs diff_ids), and its manifest.
 * Docker can pull and inspect it; nothing is checked in.
 */
export interface SyntheticImage {
  readonly config: Buffer;
  readonly configDigest: Digest;
  readonly layer: Buffer;
  readonly layerDigest: Digest;
  readonly manifest: Buffer;
  readonly manifestDigest: Digest;
  readonly mediaType: string;
  readonly platform: { readonly os: string; readonly architecture: string; readonly variant?: string };
}

export interface SyntheticImageOptions {
  readonly os?: string;
  readonly architecture: string;
  readonly variant?: string;
  /** `docker` (schema 2, default) or `oci` media types. */
  readonly format?: 'docker' | 'oci';
  /** Config media type override, to fabricate a non-image artifact. */
  readonly configMediaType?: string;
  /** Extra config fields (or omitted ones set to undefined). */
  readonly configExtra?: Record<string, unknown>;
  readonly fileContent?: string;
}

/** A POSIX ustar archive with one regular file (enough for Docker to unpack). */
export function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  const write = (value: string, offset: number, length: number): void => {
    header.write(value.slice(0, length), offset, length, 'utf8');
  };
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0');
  write(name, 0, 100);
  write(octal(0o644, 8), 100, 8);
  write(octal(0, 8), 108, 8);
  write(octal(0, 8), 116, 8);
  write(octal(content.length, 12), 124, 12);
  write(octal(Math.floor(Date.UTC(2024, 0, 1) / 1000), 12), 136, 12);
  header.fill(' ', 148, 156);
  write('0', 156, 1);
  write('ustar\u0000', 257, 6);
  write('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024, 0)]);
}

export function makeSyntheticImage(options: SyntheticImageOptions): SyntheticImage {
  const format = options.format ?? 'docker';
  const os = options.os ?? 'linux';
  const content = Buffer.from(options.fileContent ?? `synthetic ${os}/${options.architecture} ${randomBytes(8).toString('hex')}\n`);
  const tar = tarWithFile('hello.txt', content);
  const layer = gzipSync(tar);
  const layerDigest = sha256Digest(layer);
  const config: Record<string, unknown> = {
    architecture: options.architecture,
    os,
    ...(options.variant ? { variant: options.variant } : {}),
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/hello.txt'], Env: ['PATH=/usr/local/bin:/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'synthetic-image.ts' }],
    ...options.configExtra,
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configBytes);
  const mediaType = format === 'oci' ? MediaTypes.ociManifest : MediaTypes.dockerManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: options.configMediaType ?? (format === 'oci' ? MediaTypes.ociConfig : MediaTypes.dockerConfig), digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: format === 'oci' ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip, digest: layerDigest, size: layer.length }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    config: configBytes,
    configDigest,
    layer,
    layerDigest,
    manifest: manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    mediaType,
    platform: { os, architecture: options.architecture, ...(options.variant ? { variant: options.variant } : {}) },
  };
}

/** Pushes the blobs then the manifest under `tag` through our own client. */
export async function pushSyntheticImage(client: RegistryClient, repository: string, tag: string, image: SyntheticImage): Promise<Digest> {
  await client.uploadBlob(repository, image.layer);
  await client.uploadBlob(repository, image.config);
  return client.putManifest(repository, tag, image.manifest, image.mediaType);
}

/** Convenience: make and push a random image of a platform. */
export async function pushRandomImage(client: RegistryClient, repository: string, tag: string, options: SyntheticImageOptions): Promise<SyntheticImage> {
  const image = makeSyntheticImage(options);
  await pushSyntheticImage(client, repository, tag, image);
  return image;
}
