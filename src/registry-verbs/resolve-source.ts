import { BadInputError, wrapError } from '../errors.js';
import { isAttestationDescriptor, type Descriptor } from '../oci/descriptor.js';
import type { Digest } from '../oci/digest.js';
import { configPlatform, manifestBlobs, parseImageConfig, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { isImageConfigMediaType, isImageManifestMediaType, isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform, normalizePlatform, platformsEqual, type Platform } from '../oci/platform.js';
import type { RegistryClient } from '../registry/client.js';

/** One platform manifest found behind a source reference, with its platform from its config. */
export interface ResolvedManifest {
  /** The source as the user wrote it (plus `@digest` for entries expanded from an index). */
  readonly source: string;
  readonly repository: string;
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly platform: Platform;
  /** Config and layers, for mounting into another repository. */
  readonly blobs: readonly Descriptor[];
  readonly attestation: boolean;
  readonly annotations?: Readonly<Record<string, string>>;
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads an image manifest's config and returns the platform it declares (normalised). */
export async function readConfigPlatform(client: RegistryClient, repository: string, manifest: ImageManifest, what: string, signal?: AbortSignal): Promise<Platform> {
  if (!isImageConfigMediaType(manifest.config.mediaType)) {
    const artifact = manifest.artifactType ? ` (artifactType ${manifest.artifactType})` : '';
    throw new BadInputError(`${what} is not a container image: config media type is ${manifest.config.mediaType}${artifact}`);
  }
  let bytes: Buffer;
  try {
    bytes = await client.getBlob(repository, manifest.config.digest, { maxBytes: MAX_CONFIG_BYTES, signal });
  } catch (error) {
    throw wrapError(`reading the config of ${what}`, error);
  }
  const config = parseImageConfig(bytes, `config of ${what}`);
  return normalizePlatform(configPlatform(config));
}

async function resolveChild(client: RegistryClient, repository: string, source: string, entry: Descriptor, signal?: AbortSignal): Promise<ResolvedManifest> {
  const what = `${source}@${entry.digest}`;
  const attestation = isAttestationDescriptor(entry);
  if (isIndexMediaType(entry.mediaType)) throw new BadInputError(`${what}: nested indexes are not supported`);
  const fetched = await client.getManifest(repository, entry.digest, { signal });
  if (fetched.size !== entry.size) throw new BadInputError(`${what}: index says ${entry.size} bytes, manifest is ${fetched.size}`);
  const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${what}`);
  if (parsed.kind !== 'manifest') throw new BadInputError(`${what}: nested indexes are not supported`);
  const base = { source: what, repository, digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType, bytes: fetched.bytes, blobs: manifestBlobs(parsed.manifest) };
  if (attestation) {
    return { ...base, platform: entry.platform ?? { os: 'unknown', architecture: 'unknown' }, attestation, ...(entry.annotations ? { annotations: entry.annotations } : {}) };
  }
  const platform = await readConfigPlatform(client, repository, parsed.manifest, what, signal);
  if (entry.platform && !platformsEqual(entry.platform, platform)) {
    throw new BadInputError(`${what}: the index lists it as ${formatPlatform(normalizePlatform(entry.platform))} but its config says ${formatPlatform(platform)}`);
  }
  return { ...base, platform, attestation };
}

/**
 * Resolves one source reference into the platform manifests it stands for: itself when it
 * is an image manifest, its entries when it is an index (attestations dropped unless
 * asked for). Platforms always come from image configs, never from tags.
 */
export async function resolveSource(client: RegistryClient, repository: string, reference: string, source: string, options: { includeAttestations?: boolean; signal?: AbortSignal }): Promise<ResolvedManifest[]> {
  const fetched = await client.getManifest(repository, reference, { signal: options.signal });
  const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${source}`);
  if (parsed.kind === 'index') {
    const entries = parsed.index.manifests.filter((entry) => options.includeAttestations || !isAttestationDescriptor(entry));
    if (entries.length === 0) throw new BadInputError(`${source} is an index with no platform manifests`);
    return Promise.all(entries.map((entry) => resolveChild(client, repository, source, entry, options.signal)));
  }
  if (!isImageManifestMediaType(parsed.mediaType)) throw new BadInputError(`${source} has unsupported media type ${parsed.mediaType}`);
  const platform = await readConfigPlatform(client, repository, parsed.manifest, source, options.signal);
  return [{ source, repository, digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType, bytes: fetched.bytes, platform, blobs: manifestBlobs(parsed.manifest), attestation: false }];
}
