import { BadInputError, wrapError } from '../errors.js';
import { parseDigest, sha256Digest, type Digest } from '../oci/digest.js';
import { formatReference, parseReference, parseTag, type ImageReference } from '../oci/reference.js';
import { DigestMismatchError } from '../registry/errors.js';
import type { RegistrySession } from '../registry/session.js';

export interface TagManifestOptions {
  /**
   * The manifest's bytes and media type when the caller has them (e.g. `createIndex`'s
   * result): one PUT and no GET. Checked against `digest` before anything is sent.
   */
  readonly manifest?: { readonly bytes: Buffer; readonly mediaType: string };
  readonly signal?: AbortSignal;
}

export interface TaggedManifest {
  /** `registry/repo:tag` */
  readonly reference: string;
  readonly digest: Digest;
}

/** `registry/repo` as a reference with neither tag nor digest. */
export function parseRepository(repository: string): ImageReference {
  const ref = parseReference(repository, { defaultTag: null });
  if (ref.tag !== undefined || ref.digest !== undefined) throw new BadInputError(`"${repository}" must name a repository (registry/repo), without a tag or digest`);
  return ref;
}

/**
 * Moves `tag` in `repository` (`registry/repo`) to the manifest `digest` already there:
 * the same bytes PUT under the tag, so the registry stores nothing new and the digest the
 * tag resolves to is exactly `digest` (checked against the registry's answer). This is how
 * a pipeline publishes: push by digest, verify by digest, then move tags.
 */
export async function tagManifest(session: RegistrySession, repository: string, digest: string, tag: string, options: TagManifestOptions = {}): Promise<TaggedManifest> {
  const repo = parseRepository(repository);
  const wanted = parseDigest(digest);
  const reference = formatReference({ ...repo, tag: parseTag(tag) });
  const client = session.client(repo.registry);
  try {
    let manifest = options.manifest;
    if (manifest) {
      const actual = sha256Digest(manifest.bytes);
      if (actual !== wanted) throw new DigestMismatchError(`the manifest given hashes to ${actual}, not ${wanted}`);
    } else {
      // a digest-checked GET: the bytes PUT are exactly those stored under the digest
      const fetched = await client.getManifest(repo.repository, wanted, { signal: options.signal });
      manifest = { bytes: fetched.bytes, mediaType: fetched.mediaType };
    }
    const stored = await client.putManifest(repo.repository, tag, manifest.bytes, manifest.mediaType, { signal: options.signal });
    return { reference, digest: stored };
  } catch (error) {
    throw wrapError(`moving ${reference} to ${wanted}`, error);
  }
}
