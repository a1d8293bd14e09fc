/**
 * Signed, attested releases: a cosign signature on the index and on each per-arch image,
 * a signed CycloneDX SBOM and SLSA v1 provenance attestation on each per-arch image, and
 * the verification of all of it. Everything is addressed by digest; see docs/signing.md.
 *
 * Publish flow (between "index verified by digest" and "tags move"):
 * 1. `ensureSigningKey(stateDir)` (local) or `{ kind: 'kms', uri: kmsKeyUri(arn) }` (AWS);
 * 2. per arch, `prepareReleaseImage(...)` → SBOM + provenance;
 * 3. `signRelease(...)` — throws SigningError (exit 9): then move no tag;
 * 4. optionally `verifyRelease(...)` before moving the tag.
 */
export { ensureSigningKey, type EnsureSigningKeyOptions, type SigningKeyPair } from './signing-key.js';
export { kmsKeyUri, describeKey, type SigningKeySource, type VerificationKeySource, type KeyFileSigner, type KmsKey, type PublicKeyFile } from './key-source.js';
export { runCosign, type CosignSettings, type CosignResult } from './cosign-runner.js';
export { readImageContents, DEFAULT_NPM_ROOTS, type ImageContents, type ReadImageContentsOptions } from './image-contents.js';
export { parseDpkgStatus, type DebianPackage } from './dpkg-status.js';
export type { NpmPackage } from './npm-packages.js';
export { buildSbom, summarizeSbom, type BuildSbomInput, type SbomSubject, type SbomSummary } from './sbom.js';
export { buildProvenance, provenanceCommit, BUILD_TYPE, SLSA_PROVENANCE_V1, type ProvenanceInput, type ProvenanceBuilder, type SlsaProvenanceV1 } from './provenance.js';
export { readGitSource, type GitSource } from './git-source.js';
export { prepareReleaseImage, type PrepareReleaseImageOptions } from './release-image.js';
export { signRelease, type SignReleaseOptions, type SignReleaseResult, type ReleaseImage } from './sign-release.js';
export { verifyRelease, ReleaseVerifyFailedError, REVISION_LABEL, type VerifyReleaseOptions, type ReleaseVerifyReport, type ReleaseCheck, type ReleaseImageReport } from './verify-release.js';
export { ATTESTATION_KINDS, CYCLONEDX_BOM } from './attestation-types.js';
