import { BadInputError } from '../errors.js';
import { isAttestationDescriptor } from '../oci/descriptor.js';
import { compressedImageSize, parseManifest } from '../oci/manifest.js';
import { formatPlatform, parsePlatform, platformsEqual } from '../oci/platform.js';
import { formatReference, manifestReference, parseReference } from '../oci/reference.js';
import { NotFoundError } from '../registry/errors.js';
import { openClient, type RegistryAccessOptions } from './registry-access.js';

export interface ResolvedDigest {
  readonly digest: string;
  /** Size of the manifest (or index) itself, in bytes. */
  readonly size: number;
  readonly mediaType: string;
}

/** What a reference points at now (one HEAD; a GET only if the registry omits the digest). */
export async function resolveDigest(reference: string, options: RegistryAccessOptions = {}): Promise<ResolvedDigest> {
  const ref = parseReference(reference);
  const { client, release } = openClient(ref.registry, options);
  try {
    const info = await client.headManifest(ref.repository, manifestReference(ref), { signal: options.signal });
    if (!info) throw new NotFoundError(`manifest ${formatReference(ref)} not found`);
    return { digest: info.digest, size: info.size, mediaType: info.mediaType };
  } finally {
    await release();
  }
}

export interface ResolveImageSizeOptions extends RegistryAccessOptions {
  /** For an index: which platform (`linux/arm64`); required then. */
  readonly platform?: string;
}

/**
 * Compressed size of an image as a client downloads it: config plus layers. For an index,
 * the size of the named platform's image.
 */
export async function resolveImageSize(reference: string, options: ResolveImageSizeOptions = {}): Promise<number> {
  const ref = parseReference(reference);
  const { client, release } = openClient(ref.registry, options);
  try {
    const fetched = await client.getManifest(ref.repository, manifestReference(ref), { signal: options.signal });
    const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${reference}`);
    if (parsed.kind === 'manifest') return compressedImageSize(parsed.manifest);
    if (!options.platform) throw new BadInputError(`${reference} is an index: name a platform to size`);
    const wanted = parsePlatform(options.platform);
    const entry = parsed.index.manifests.find((m) => !isAttestationDescriptor(m) && m.platform && platformsEqual(m.platform, wanted));
    if (!entry) throw new NotFoundError(`${reference} has no ${formatPlatform(wanted)} image`);
    const child = await client.getManifest(ref.repository, entry.digest, { signal: options.signal });
    const childParsed = parseManifest(child.bytes, child.mediaType, `manifest ${reference}@${entry.digest}`);
    if (childParsed.kind !== 'manifest') throw new BadInputError(`${reference}@${entry.digest} is a nested index`);
    return compressedImageSize(childParsed.manifest);
  } finally {
    await release();
  }
}
