import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, throwIfAborted } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import { ATTESTATION_KINDS, cosignRegistryArgs, type AttestationKind } from './attestation-types.js';
import { runCosignOrThrow, type CosignSettings } from './cosign-runner.js';
import { cosignKeyArgument, type SigningKeySource } from './key-source.js';

/** One per-arch image of a release, with the documents to attest to it. */
export interface ReleaseImage {
  /** `linux/amd64` — for messages. */
  readonly platform: string;
  /** Manifest digest in the repository. */
  readonly digest: string;
  /** CycloneDX JSON from `buildSbom`. */
  readonly sbom: Record<string, unknown>;
  /** SLSA v1 predicate from `buildProvenance`. */
  readonly provenance: object;
}

export interface SignReleaseOptions {
  /** `registry/repository`, no tag or digest: everything is addressed by digest. */
  readonly repository: string;
  /** Digest of the index (or of the single manifest when there is no index). */
  readonly indexDigest: string;
  /** The per-arch images of the index, each signed and attested. */
  readonly images: readonly ReleaseImage[];
  readonly key: SigningKeySource;
  /** Upload signatures to the Rekor transparency log (default false: works offline). */
  readonly tlogUpload?: boolean;
  /** Plain HTTP / unverified TLS to a non-loopback registry. */
  readonly insecure?: boolean;
  readonly cosign?: CosignSettings;
  /** Scratch space for the predicate files (default the OS temp dir). */
  readonly workDir?: string;
  readonly signal?: AbortSignal;
}

/** What was signed and attested, by digest. */
export interface SignReleaseResult {
  readonly repository: string;
  /** Digests that now carry a signature, index last. */
  readonly signed: readonly string[];
  readonly attested: ReadonlyArray<{ readonly digest: string; readonly kind: AttestationKind; readonly predicateType: string }>;
  readonly tlogUpload: boolean;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/**
 * Signs a release by digest with cosign: for every per-arch image a signature, a signed
 * CycloneDX SBOM attestation and a signed SLSA provenance attestation (replacing older ones
 * of the same type, so a re-run leaves one of each); then the index signature, last, so a
 * failure part-way never leaves a signed index over unsigned images. Nothing is uploaded to
 * a transparency log unless `tlogUpload`. Any cosign failure is a SigningError: the caller
 * must not move the tag.
 */
export async function signRelease(options: SignReleaseOptions): Promise<SignReleaseResult> {
  const ref = parseReference(options.repository, { defaultTag: null });
  if (ref.tag || ref.digest) throw new BadInputError(`repository "${options.repository}" must have no tag or digest: signatures are made by digest`);
  for (const digest of [options.indexDigest, ...options.images.map((i) => i.digest)]) {
    if (!DIGEST_RE.test(digest)) throw new BadInputError(`"${digest}" is not a sha256 digest`);
  }
  if (options.images.length === 0) throw new BadInputError('no per-arch images to sign');
  const repository = `${ref.registry}/${ref.repository}`;
  const tlog = options.tlogUpload === true;
  const common = ['--key', cosignKeyArgument(options.key), `--tlog-upload=${tlog}`, '--yes', ...cosignRegistryArgs(ref.registry, options.insecure)];
  const call = { ...options.cosign, password: options.key.kind === 'file' ? options.key.password : undefined, signal: options.signal };
  const scratch = await mkdtemp(join(options.workDir ?? tmpdir(), 'multiarch-attest-'));
  const signed: string[] = [];
  const attested: Array<{ digest: string; kind: AttestationKind; predicateType: string }> = [];
  try {
    // The images in parallel: each has its own .sig and .att tags. Within one image the
    // steps stay in order, because cosign appends to the .att manifest by read-modify-write.
    const perImage = await Promise.allSettled(
      options.images.map(async (image, n) => {
        const subject = `${repository}@${image.digest}`;
        const done: Array<{ digest: string; kind: AttestationKind; predicateType: string }> = [];
        throwIfAborted(options.signal, 'signing');
        await runCosignOrThrow(`signing ${image.platform} ${image.digest}`, ['sign', ...common, subject], call);
        for (const kind of ['sbom', 'provenance'] as const) {
          const file = join(scratch, `${n}-${kind}.json`);
          await writeFile(file, JSON.stringify(kind === 'sbom' ? image.sbom : image.provenance));
          const { cosignType, predicateType } = ATTESTATION_KINDS[kind];
          await runCosignOrThrow(`attesting the ${kind} of ${image.platform} ${image.digest}`, ['attest', ...common, '--replace', '--type', cosignType, '--predicate', file, subject], call);
          done.push({ digest: image.digest, kind, predicateType });
        }
        return done;
      }),
    );
    // every image settled before anything is reported or the scratch dir goes
    const perImageAttested = perImage.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    signed.push(...options.images.map((image) => image.digest));
    attested.push(...perImageAttested.flat());
    throwIfAborted(options.signal, 'signing');
    // a single-manifest release has no separate index to sign
    if (signed.includes(options.indexDigest)) return { repository, signed, attested, tlogUpload: tlog };
    await runCosignOrThrow(`signing the index ${options.indexDigest}`, ['sign', ...common, `${repository}@${options.indexDigest}`], call);
    signed.push(options.indexDigest);
    return { repository, signed, attested, tlogUpload: tlog };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
