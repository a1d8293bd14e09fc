import { createIndex } from '../registry-verbs/create-index.js';
import { resolveDigest, resolveImageSize } from '../registry-verbs/resolve-digest.js';
import { verifyImage } from '../registry-verbs/verify-image.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import type { RegistryServices } from './services.js';

/** The pipeline's registry operations, backed by the project's own OCI client. */
export function createRegistryServices(options: { readonly credentials?: CredentialResolver } = {}): RegistryServices {
  const auth = options.credentials ? { credentials: options.credentials } : {};
  return {
    createIndex: (o) => createIndex({ ...auth, ...o }),
    verifyImage: (o) => verifyImage({ ...auth, ...o }),
    resolveDigest: (reference, o) => resolveDigest(reference, { ...auth, ...o }),
    imageSize: (reference, o) => resolveImageSize(reference, { ...auth, ...o }),
  };
}
