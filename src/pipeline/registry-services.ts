import { createIndex } from '../registry-verbs/create-index.js';
import { resolveDigest, resolveImageSize } from '../registry-verbs/resolve-digest.js';
import { readConfigPlatform } from '../registry-verbs/resolve-source.js';
import { verifyImage } from '../registry-verbs/verify-image.js';
import { BadInputError, wrapError } from '../errors.js';
import { isAttestationDescriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { manifestReference, parseReference } from '../oci/reference.js';
import { repositoryScope } from '../registry/auth/challenge.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import { RegistrySession } from '../registry/session.js';
import { tagManifest } from '../registry-verbs/tag-manifest.js';
import { deleteManifest } from '../registry-verbs/delete-manifest.js';
import { UnsupportedOperationError } from '../registry/errors.js';
import type { RegistryServices } from './services.js';

export interface RegistryServicesOptions {
  /** Registry host (`127.0.0.1:5000`, `<account>.dkr.ecr.<region>.amazonaws.com`). */
  readonly registry: string;
  /** Repository whose pull+push scope the run's token covers. */
  readonly repository: string;
  readonly insecure?: boolean;
  readonly credentials?: CredentialResolver;
}

/**
 * The pipeline's registry operations over one client for the whole run: one token (with
 * pull+push on the repository) and one connection pool serve every step.
 */
export function createRegistryServices(options: RegistryServicesOptions): RegistryServices {
  const session = new RegistrySession({ ...(options.insecure ? { insecure: true } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) });
  const client = session.client(options.registry);
  client.declareScopes([repositoryScope(options.repository, ['pull', 'push', 'delete'])]);
  const access = { session };
  const local = (reference: string): ReturnType<typeof parseReference> => {
    const ref = parseReference(reference);
    if (ref.registry !== options.registry) throw new BadInputError(`${reference} is not on ${options.registry}, the registry of this run`);
    return ref;
  };
  return {
    resolveDigest(reference, o = {}) {
      local(reference);
      return resolveDigest(reference, { ...access, ...(o.signal ? { signal: o.signal } : {}) });
    },
    async readImage(reference, o = {}) {
      const ref = local(reference);
      const fetched = await client.getManifest(ref.repository, manifestReference(ref), o);
      const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${reference}`);
      if (parsed.kind !== 'manifest') throw new BadInputError(`${reference} is an index, not a single-platform image`);
      const platform = await readConfigPlatform(client, ref.repository, parsed.manifest, reference, o.signal);
      return { digest: fetched.digest, mediaType: fetched.mediaType, configDigest: parsed.manifest.config.digest, platform };
    },
    async readIndex(reference, o = {}) {
      const ref = local(reference);
      const fetched = await client.getManifest(ref.repository, manifestReference(ref), o);
      const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${reference}`);
      if (parsed.kind !== 'index') throw new BadInputError(`${reference} is a single image, not an index`);
      const manifests = parsed.index.manifests
        .filter((m) => !isAttestationDescriptor(m))
        .map((m) => ({ digest: m.digest, platform: m.platform ?? { os: 'unknown', architecture: 'unknown' } }));
      return { digest: fetched.digest, manifests };
    },
    async pushIndex(repository, sources, o = {}) {
      const created = await createIndex({ ...access, target: repository, push: 'digest', sources: [...sources], ...(o.signal ? { signal: o.signal } : {}) });
      return { digest: created.digest, mediaType: created.mediaType, size: created.size, manifests: created.manifests };
    },
    verifyImage: (reference, o = {}) => verifyImage({ ...access, reference, ...(o.signal ? { signal: o.signal } : {}) }),
    async moveTag(repository, tag, digest, o = {}) {
      local(`${repository}@${digest}`);
      try {
        await tagManifest(session, repository, digest, tag, o.signal ? { signal: o.signal } : {});
      } catch (error) {
        throw wrapError(`moving ${repository}:${tag} to ${digest}`, error);
      }
    },
    async deleteTag(repository, tag, o = {}) {
      try {
        await deleteManifest(session, `${repository}:${tag}`, o.signal ? { signal: o.signal } : {});
        return true;
      } catch (error) {
        // Distribution 2.x and ECR's registry API cannot delete a tag alone: left for the lifecycle rule
        if (error instanceof UnsupportedOperationError) return false;
        throw error;
      }
    },
    imageSize: (reference, o = {}) => resolveImageSize(reference, { ...access, ...(o.signal ? { signal: o.signal } : {}) }),
    close: () => session.close(),
  };
}
