import { createIndex } from '../registry-verbs/create-index.js';
import { resolveImageSize } from '../registry-verbs/resolve-digest.js';
import { readConfigPlatform } from '../registry-verbs/resolve-source.js';
import { verifyImage } from '../registry-verbs/verify-image.js';
import { BadInputError, wrapError } from '../errors.js';
import { isAttestationDescriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { manifestReference, parseReference } from '../oci/reference.js';
import { repositoryScope } from '../registry/auth/challenge.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import { RegistryClient } from '../registry/client.js';
import { NotFoundError } from '../registry/errors.js';
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
  const client = new RegistryClient({ registry: options.registry, insecure: options.insecure, credentials: options.credentials });
  client.declareScopes([repositoryScope(options.repository, ['pull', 'push'])]);
  const access = { clientFactory: () => client, insecure: options.insecure };
  const local = (reference: string): ReturnType<typeof parseReference> => {
    const ref = parseReference(reference);
    if (ref.registry !== options.registry) throw new BadInputError(`${reference} is not on ${options.registry}, the registry of this run`);
    return ref;
  };
  return {
    async resolveDigest(reference, o = {}) {
      const ref = local(reference);
      const info = await client.headManifest(ref.repository, manifestReference(ref), o);
      if (!info) throw new NotFoundError(`manifest ${reference} not found`);
      return info;
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
      const created = await createIndex({ ...access, target: `${repository}:unused`, sources: [...sources], moveTag: false, ...(o.signal ? { signal: o.signal } : {}) });
      return { digest: created.digest, mediaType: created.mediaType, size: created.size, manifests: created.manifests };
    },
    verifyImage: (reference, o = {}) => verifyImage({ ...access, reference, ...(o.signal ? { signal: o.signal } : {}) }),
    async moveTag(repository, tag, digest, o = {}) {
      const ref = local(`${repository}@${digest}`);
      try {
        const fetched = await client.getManifest(ref.repository, digest, o);
        await client.putManifest(ref.repository, tag, fetched.bytes, fetched.mediaType, o);
      } catch (error) {
        throw wrapError(`moving ${repository}:${tag} to ${digest}`, error);
      }
    },
    imageSize: (reference, o = {}) => resolveImageSize(reference, { ...access, ...(o.signal ? { signal: o.signal } : {}) }),
    close: () => client.close(),
  };
}
