import { BadInputError, MultiarchError, throwIfAborted, wrapError } from '../errors.js';
import { buildIndex, type IndexFormat } from '../oci/build-index.js';
import type { Platform } from '../oci/platform.js';
import { formatReference, parseReference, type ImageReference } from '../oci/reference.js';
import { repositoryScope } from '../registry/auth/challenge.js';
import type { RegistryClient } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import { openClient, type RegistryAccessOptions } from './registry-access.js';
import { resolveSource, type ResolvedManifest } from './resolve-source.js';

export interface CreateIndexOptions extends RegistryAccessOptions {
  /**
   * Where the index goes: a tag reference (`registry/repo:tag`), or with `push: 'digest'`
   * the repository (`registry/repo`; a tag, if given, is left alone).
   */
  readonly target: string;
  /**
   * `tag` (default): one PUT under the target's tag, which the registry stores by digest
   * too. `digest`: one PUT by digest and no tag moved — a pipeline can verify the index by
   * digest first and move tags to it afterwards (`tagManifest`).
   */
  readonly push?: 'tag' | 'digest';
  /** Per-arch images or indexes, on the target's registry. */
  readonly sources: readonly string[];
  /** `oci` (default): OCI image index; `docker`: Docker manifest list. */
  readonly format?: IndexFormat;
  /** Index-level annotations (OCI format only). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly includeAttestations?: boolean;
  /** Resolve and build, push nothing. */
  readonly dryRun?: boolean;
}

export interface CreateIndexResult {
  /** Target reference, fully qualified: `registry/repo:tag`, or `registry/repo@digest` when pushed by digest only. */
  readonly reference: string;
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly manifests: ReadonlyArray<{ readonly platform: Platform; readonly digest: string; readonly size: number; readonly mediaType: string; readonly source: string }>;
  /** The index document as pushed (or as it would be, with `dryRun`). */
  readonly index: Record<string, unknown>;
  /** Its exact bytes, for `tagManifest` to move tags with one PUT and no GET. */
  readonly bytes: Buffer;
  readonly pushed: boolean;
  /** The tag already pointed at this exact index, so nothing was written. */
  readonly unchanged: boolean;
  /** Manifests copied from other repositories into the target's (by digest). */
  readonly copied: readonly string[];
}

function parseTarget(target: string, push: 'tag' | 'digest'): ImageReference {
  const ref = parseReference(target, push === 'digest' ? { defaultTag: null } : {});
  if (ref.digest) throw new BadInputError(`target "${target}" must be a ${push === 'digest' ? 'repository' : 'tag'}, not a digest: the index's digest is known only once it is built`);
  return ref;
}

async function copyIntoRepository(client: RegistryClient, repository: string, item: ResolvedManifest, signal?: AbortSignal): Promise<void> {
  await Promise.all(
    item.blobs.map(async (blob) => {
      if (await client.mountBlob(repository, blob.digest, item.repository, { signal })) return;
      // The registry declined the mount (policy, or blob unknown there): copy it through us.
      const data = await client.getBlob(item.repository, blob.digest, { maxBytes: Number.MAX_SAFE_INTEGER, signal });
      await client.uploadBlob(repository, data, { signal });
    }),
  );
  await client.putManifest(repository, item.digest, item.bytes, item.mediaType, { signal });
  const present = await client.headManifest(repository, item.digest, { signal });
  if (!present) throw new RegistryError(`manifest ${item.digest} copied from ${item.repository} is not present in ${repository}`);
}

/**
 * `multiarch index create`: one tag that serves every platform. Steps, in this order so a
 * failure at any point leaves the tag where it was:
 * 1. resolve every source (platform from its config; indexes expanded);
 * 2. build the index (pure; duplicate platforms rejected) — `dryRun` stops here;
 * 3. make every referenced manifest present in the target repository (manifests from other
 *    repositories: blobs mounted, manifest pushed by digest, then HEAD-confirmed; manifests
 *    fetched from the target repository itself were confirmed by that digest-checked GET);
 * 4. push the index: one PUT under the tag (atomic: the tag moves only if the whole index
 *    is accepted), or by digest alone with `push: 'digest'`.
 */
export async function createIndex(options: CreateIndexOptions): Promise<CreateIndexResult> {
  const push = options.push ?? 'tag';
  const target = parseTarget(options.target, push);
  if (options.sources.length === 0) throw new BadInputError('no source images: give at least one per-arch reference');
  const sources = options.sources.map((source) => ({ source, ref: parseReference(source) }));
  for (const { source, ref } of sources) {
    if (ref.registry !== target.registry) {
      throw new BadInputError(`source "${source}" is on ${ref.registry} but the target is on ${target.registry}: sources must be on the target's registry`);
    }
  }
  const { signal } = options;
  const { client, release } = openClient(target.registry, options);
  const targetName = formatReference(push === 'digest' ? { registry: target.registry, repository: target.repository } : target);
  try {
    client.declareScopes([
      repositoryScope(target.repository, options.dryRun ? ['pull'] : ['pull', 'push']),
      ...sources.map(({ ref }) => repositoryScope(ref.repository, ['pull'])),
    ]);
    // Where the tag points now, read alongside the sources (no extra round trip): when it
    // already holds this very index, nothing is written. Re-runs are then idempotent, also
    // on registries that refuse to re-put an existing tag (ECR with immutable tags).
    const current = push === 'tag' && !options.dryRun ? client.headManifest(target.repository, target.tag ?? 'latest', { signal }).catch(() => undefined) : undefined;
    const resolved = (
      await Promise.all(
        sources.map(async ({ source, ref }) => {
          try {
            return await resolveSource(client, ref.repository, ref.digest ?? ref.tag ?? 'latest', source, { includeAttestations: options.includeAttestations, signal });
          } catch (error) {
            throw wrapError(`source ${source}`, error);
          }
        }),
      )
    ).flat();
    const built = buildIndex({
      format: options.format ?? 'oci',
      annotations: options.annotations,
      entries: resolved.map((item) => ({ mediaType: item.mediaType, digest: item.digest, size: item.size, platform: item.platform, source: item.source, attestation: item.attestation, annotations: item.annotations })),
    });
    const copied: string[] = [];
    let unchanged = false;
    if (!options.dryRun) {
      throwIfAborted(signal, 'index create');
      const foreign = [...new Map(resolved.filter((item) => item.repository !== target.repository).map((item) => [item.digest, item])).values()];
      await Promise.all(
        foreign.map(async (item) => {
          try {
            await copyIntoRepository(client, target.repository, item, signal);
            copied.push(item.digest);
          } catch (error) {
            throw wrapError(`copying ${item.source} into ${target.repository}`, error);
          }
        }),
      );
      throwIfAborted(signal, 'index create');
      unchanged = (await current)?.digest === built.digest;
      try {
        // putManifest checks the digest the registry reports against ours.
        if (!unchanged) await client.putManifest(target.repository, push === 'digest' ? built.digest : (target.tag ?? 'latest'), built.bytes, built.mediaType, { signal });
      } catch (error) {
        throw wrapError(`pushing index ${targetName}`, error);
      }
    }
    return {
      reference: push === 'digest' ? `${targetName}@${built.digest}` : targetName,
      digest: built.digest,
      size: built.size,
      mediaType: built.mediaType,
      manifests: resolved.map((item) => ({ platform: item.platform, digest: item.digest, size: item.size, mediaType: item.mediaType, source: item.source })),
      index: built.json,
      bytes: built.bytes,
      pushed: !options.dryRun,
      unchanged,
      copied,
    };
  } catch (error) {
    throw error instanceof MultiarchError ? error : wrapError(`creating index ${targetName}`, error);
  } finally {
    await release();
  }
}
