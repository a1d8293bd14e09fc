import { MultiarchError, wrapError } from '../errors.js';
import { isAttestationDescriptor } from '../oci/descriptor.js';
import { shortDigest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import { formatPlatform, normalizePlatform } from '../oci/platform.js';
import { formatReference, manifestReference, parseReference } from '../oci/reference.js';
import type { RegistryClient } from '../registry/client.js';
import { openClient, type RegistryAccessOptions } from '../registry-verbs/registry-access.js';
import { ATTESTATION_KINDS, cosignRegistryArgs, type AttestationKind } from './attestation-types.js';
import { digestsFromVerifyOutput, statementCovers, statementsFromVerifyOutput } from './cosign-envelopes.js';
import { cosignFailureReason, runCosign, type CosignSettings } from './cosign-runner.js';
import { cosignKeyArgument, describeKey, type VerificationKeySource } from './key-source.js';
import { provenanceCommit } from './provenance.js';
import { summarizeSbom, type SbomSummary } from './sbom.js';

/** The OCI label our Dockerfile sets to the commit the image was built from. */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

export type ReleaseCheckName = 'signature' | 'sbom attestation' | 'provenance attestation' | 'provenance commit';

export interface ReleaseCheck {
  /** `index sha256:…` or `linux/arm64/v8 sha256:…`. */
  readonly subject: string;
  readonly check: ReleaseCheckName;
  readonly ok: boolean;
  /** Why it failed (what is missing or does not verify), or what it found. */
  readonly detail?: string;
}

/** What verification found about one per-arch image. */
export interface ReleaseImageReport {
  readonly platform: string;
  readonly digest: string;
  /** Package counts of its verified SBOM. */
  readonly sbom?: SbomSummary;
  /** The commit its verified provenance names. */
  readonly provenanceCommit?: string;
  /** Its config's `org.opencontainers.image.revision` label. */
  readonly revisionLabel?: string;
}

export interface ReleaseVerifyReport {
  readonly reference: string;
  /** What the reference resolved to, the digest everything below hangs off. */
  readonly digest: string;
  readonly kind: 'index' | 'manifest';
  /** The key checked against (`key /path/cosign.pub`, `KMS key awskms:///…`). */
  readonly key: string;
  readonly ok: boolean;
  readonly checks: readonly ReleaseCheck[];
  readonly images: readonly ReleaseImageReport[];
}

/** A release failed verification; `report` says what is missing or does not verify. */
export class ReleaseVerifyFailedError extends MultiarchError {
  readonly report: ReleaseVerifyReport;

  constructor(message: string, report: ReleaseVerifyReport) {
    super('VERIFY_FAILED', message);
    this.report = report;
  }
}

export interface VerifyReleaseOptions extends RegistryAccessOptions {
  /** Tag or digest reference of the release (normally the index tag). */
  readonly reference: string;
  readonly key: VerificationKeySource;
  /** Require the provenance to name this commit too (e.g. the CI's checked-out SHA). */
  readonly expectedCommit?: string;
  readonly cosign?: CosignSettings;
}

/** The cosign tag scheme: signatures at `sha256-<hex>.sig`, attestations at `.att`. */
function cosignTag(digest: string, suffix: 'sig' | 'att'): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** Predicate types present (signed or not) in the `.att` manifest of `digest`, for "missing" vs "does not verify". */
async function presentPredicateTypes(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<Set<string>> {
  const info = await client.headManifest(repository, cosignTag(digest, 'att'), { signal });
  if (!info) return new Set();
  const fetched = await client.getManifest(repository, cosignTag(digest, 'att'), { signal });
  const parsed = parseManifest(fetched.bytes, fetched.mediaType, `attestations of ${digest}`);
  if (parsed.kind !== 'manifest') return new Set();
  return new Set(parsed.manifest.layers.map((l) => l.annotations?.['predicateType']).filter((t): t is string => typeof t === 'string'));
}

async function revisionLabelOf(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<string | undefined> {
  const fetched = await client.getManifest(repository, digest, { signal });
  const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${digest}`);
  if (parsed.kind !== 'manifest') return undefined;
  const config = JSON.parse((await client.getBlob(repository, parsed.manifest.config.digest, { maxBytes: 4 * 1024 * 1024, signal })).toString('utf8')) as { config?: { Labels?: Record<string, unknown> | null } };
  const label = config.config?.Labels?.[REVISION_LABEL];
  return typeof label === 'string' ? label : undefined;
}

/**
 * `multiarch verify REF --key K | --kms ARN`: resolves REF to a digest and checks, with
 * cosign against the given key,
 * - the signature on the index and on each per-arch image (attestation manifests aside);
 * - that each image has a CycloneDX SBOM and an SLSA provenance attestation signed by the key
 *   and naming that image's digest;
 * - that the provenance names a commit, equal to the image's revision label (and to
 *   `expectedCommit` when given).
 * Each failure says whether the thing is missing or present but not verifiable with this
 * key. Returns the report when everything passes, throws ReleaseVerifyFailedError with it
 * otherwise. Nothing is uploaded or fetched from a transparency log.
 */
export async function verifyRelease(options: VerifyReleaseOptions): Promise<ReleaseVerifyReport> {
  const ref = parseReference(options.reference);
  const repository = `${ref.registry}/${ref.repository}`;
  const { client, release } = openClient(ref.registry, options);
  const signal = options.signal;
  const keyArgs = ['--key', cosignKeyArgument(options.key), '--insecure-ignore-tlog=true', ...cosignRegistryArgs(ref.registry, options.insecure)];
  const call = { ...options.cosign, signal };
  const checks: ReleaseCheck[] = [];
  try {
    const fetched = await client.getManifest(ref.repository, manifestReference(ref), { signal }).catch((error: unknown) => {
      throw wrapError(`verifying ${options.reference}`, error);
    });
    const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${options.reference}`);
    const children = parsed.kind === 'index'
      ? parsed.index.manifests.filter((e) => !isAttestationDescriptor(e)).map((e) => ({ digest: e.digest, platform: e.platform ? formatPlatform(normalizePlatform(e.platform)) : 'no platform' }))
      : [{ digest: fetched.digest, platform: 'image' }];

    const checkSignature = async (subject: string, digest: string): Promise<void> => {
      const present = await client.headManifest(ref.repository, cosignTag(digest, 'sig'), { signal });
      if (!present) {
        checks.push({ subject, check: 'signature', ok: false, detail: `no signature (${cosignTag(digest, 'sig')} is absent)` });
        return;
      }
      const result = await runCosign(['verify', ...keyArgs, `${repository}@${digest}`], call);
      if (result.exitCode !== 0) checks.push({ subject, check: 'signature', ok: false, detail: `signature does not verify with this key: ${cosignFailureReason(result.stderr)}` });
      else if (!digestsFromVerifyOutput(result.stdout).includes(digest)) checks.push({ subject, check: 'signature', ok: false, detail: 'the verified signature names another digest' });
      else checks.push({ subject, check: 'signature', ok: true });
    };

    const checkAttestation = async (subject: string, digest: string, kind: AttestationKind, present: Set<string>): Promise<unknown> => {
      const { cosignType, predicateType } = ATTESTATION_KINDS[kind];
      const check: ReleaseCheckName = kind === 'sbom' ? 'sbom attestation' : 'provenance attestation';
      if (!present.has(predicateType)) {
        checks.push({ subject, check, ok: false, detail: `no ${predicateType} attestation` });
        return undefined;
      }
      const result = await runCosign(['verify-attestation', ...keyArgs, '--type', cosignType, `${repository}@${digest}`], call);
      if (result.exitCode !== 0) {
        checks.push({ subject, check, ok: false, detail: `attestation does not verify with this key: ${cosignFailureReason(result.stderr)}` });
        return undefined;
      }
      const statement = statementsFromVerifyOutput(result.stdout).filter((s) => s.predicateType === predicateType && statementCovers(s, digest)).at(-1);
      if (!statement) {
        checks.push({ subject, check, ok: false, detail: `no verified ${predicateType} statement names ${digest}` });
        return undefined;
      }
      checks.push({ subject, check, ok: true });
      return statement.predicate;
    };

    const indexSubject = `${parsed.kind} ${shortDigest(fetched.digest)}`;
    const images: ReleaseImageReport[] = [];
    if (parsed.kind === 'index') await checkSignature(indexSubject, fetched.digest);
    // one child at a time: each runs up to three cosign processes
    for (const child of children) {
      const subject = `${child.platform} ${shortDigest(child.digest)}`;
      await checkSignature(subject, child.digest);
      const present = await presentPredicateTypes(client, ref.repository, child.digest, signal);
      const sbom = await checkAttestation(subject, child.digest, 'sbom', present);
      const provenance = await checkAttestation(subject, child.digest, 'provenance', present);
      const revisionLabel = await revisionLabelOf(client, ref.repository, child.digest, signal);
      const commit = provenance === undefined ? undefined : provenanceCommit(provenance);
      if (provenance !== undefined) {
        if (!commit) checks.push({ subject, check: 'provenance commit', ok: false, detail: 'the provenance names no source commit' });
        else if (revisionLabel !== commit) checks.push({ subject, check: 'provenance commit', ok: false, detail: `the provenance names ${commit} but the image's ${REVISION_LABEL} label is ${revisionLabel ?? 'absent'}` });
        else if (options.expectedCommit && options.expectedCommit !== commit) checks.push({ subject, check: 'provenance commit', ok: false, detail: `the provenance names ${commit}, expected ${options.expectedCommit}` });
        else checks.push({ subject, check: 'provenance commit', ok: true, detail: commit });
      }
      images.push({ platform: child.platform, digest: child.digest, ...(sbom !== undefined ? { sbom: summarizeSbom(sbom) } : {}), ...(commit ? { provenanceCommit: commit } : {}), ...(revisionLabel ? { revisionLabel } : {}) });
    }
    const failed = checks.filter((c) => !c.ok);
    const report: ReleaseVerifyReport = { reference: formatReference(ref), digest: fetched.digest, kind: parsed.kind, key: describeKey(options.key), ok: failed.length === 0, checks, images };
    if (failed.length > 0) {
      const first = failed.slice(0, 3).map((c) => `${c.subject}: ${c.check}: ${c.detail ?? 'failed'}`).join('; ');
      throw new ReleaseVerifyFailedError(`${report.reference} failed ${failed.length} of ${checks.length} signature checks: ${first}${failed.length > 3 ? '; …' : ''}`, report);
    }
    return report;
  } finally {
    await release();
  }
}
