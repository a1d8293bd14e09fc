/** Library entry point: the same operations the `multiarch` CLI runs. */
export * from './errors.js';
export * from './arch.js';
export type { Builder, BuildRequest, BuildResult } from './build/builder.js';
export { createIndex, type CreateIndexOptions, type CreateIndexResult } from './index/create-index.js';
export { inspectImage, type InspectResult, type InspectedEntry } from './index/inspect-index.js';
export { verifyImage, VerifyFailedError, type VerifyImageOptions, type VerifyReport, type VerifyCheck } from './index/verify-image.js';
export { resolveDigest, resolveImageSize, type ResolvedDigest } from './index/resolve-digest.js';
export type { RegistryAccessOptions } from './index/registry-access.js';
export { RegistryClient, type RegistryClientOptions } from './registry/client.js';
export { RegistryError, NotFoundError, AuthError, DigestMismatchError } from './registry/errors.js';
export type { CredentialResolver, RegistryCredential } from './registry/auth/credentials.js';
export { staticCredentials, chainResolvers, anonymousResolver } from './registry/auth/credentials.js';
export { createDefaultCredentialResolver } from './registry/auth/default-resolver.js';
export { createEcrCredentialResolver } from './registry/auth/ecr.js';
export { parseReference, formatReference, type ImageReference } from './oci/reference.js';
export { formatPlatform, parsePlatform, type Platform } from './oci/platform.js';
