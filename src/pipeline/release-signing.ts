import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { archPlatform } from '../arch.js';
import { prepareReleaseImage, signRelease, type GitSource, type ProvenanceBuilder, type ReleaseImage, type SigningKeySource } from '../attest/index.js';
import { inspectLocalImage } from '../docker/image-inspect.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { withPushCredentials } from '../docker/push-config.js';
import { formatPlatform } from '../oci/platform.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import type { ArchPlan, PipelinePlan } from './plan.js';
import type { BeforeTagsMove } from './publish.js';

/** How a run signs what it publishes: a cosign key file or a KMS key; offline unless asked. */
export interface SigningSettings {
  readonly key: SigningKeySource;
  /** Upload signatures to the Rekor transparency log (default false: works offline). */
  readonly tlogUpload: boolean;
}

/** What one arch's build was, for its provenance. */
export interface BuildRecord {
  readonly arch: ArchPlan;
  /** The engine holding the image; absent for CodeBuild (its image is read from the registry). */
  readonly docker?: DockerCli;
  /** Local image ID, or for CodeBuild the pushed reference the local engine pulls to read it. */
  readonly image: string;
  readonly digest: string;
  readonly builder: ProvenanceBuilder;
  /** What the image was built from: the local checkout, or the source CodeBuild resolved. */
  readonly source: GitSource;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly startedOn: Date;
  readonly finishedOn: Date;
}

export interface ReleaseSigner {
  /** SBOM and provenance of one arch, read from the image that passed the smoke test. */
  prepare(record: BuildRecord, signal: AbortSignal): Promise<ReleaseImage & { readonly summary: { readonly debian: number; readonly npm: number } }>;
  /** Signs the verified index and every child by digest, before any tag moves. */
  readonly beforeTagsMove: BeforeTagsMove;
}

/**
 * Signing and attestation as part of publishing: each arch's SBOM and SLSA provenance
 * are prepared as soon as it is pushed, and the publish step signs everything by digest
 * between "index verified" and "tags move" — a run that cannot sign moves no tag.
 */
export function createReleaseSigner(options: {
  readonly plan: PipelinePlan;
  readonly projectDir: string;
  readonly settings: SigningSettings;
  readonly credentials: CredentialResolver;
  /** The engine that reads CodeBuild images for their SBOM. */
  readonly localDocker: DockerCli;
  readonly tool: { readonly name: string; readonly version: string };
}): ReleaseSigner {
  const { plan } = options;
  const repository = `${plan.registry}/${plan.repository}`;
  let dockerfile: Promise<{ path: string; sha256: string }> | undefined;
  return {
    async prepare(record, signal) {
      dockerfile ??= readFile(plan.dockerfile).then((bytes) => ({ path: relative(options.projectDir, plan.dockerfile), sha256: createHash('sha256').update(bytes).digest('hex') }));
      const docker = record.docker ?? options.localDocker;
      const base = record.buildArgs['BASE_IMAGE'];
      const baseInfo = base && record.docker ? await inspectLocalImage(record.docker, base, signal) : undefined;
      const baseDigest = baseInfo?.repoDigests[0]?.split('@')[1] ?? baseInfo?.id;
      const platform = archPlatform(record.arch.arch);
      return prepareReleaseImage({
        docker,
        imageId: record.image,
        manifestDigest: record.digest,
        repository,
        platform,
        provenance: {
          platform: formatPlatform(platform),
          source: record.source,
          builder: record.builder,
          dockerfile: await dockerfile,
          buildArgs: { ...record.buildArgs },
          ...(base && baseDigest ? { baseImage: { reference: base, digest: baseDigest } } : {}),
          startedOn: record.startedOn,
          finishedOn: record.finishedOn,
        },
        tool: options.tool,
        signal,
      });
    },
    beforeTagsMove: async (index, signal) => {
      const images = plan.arches.map((a) => {
        const release = index.arches.get(a.arch)?.release;
        if (!release) throw new Error(`no SBOM and provenance were prepared for ${a.arch}`);
        return release;
      });
      // cosign authenticates with the run's one credential source, as `docker push` does
      await withPushCredentials(options.credentials, plan.registry, signal, (env) =>
        signRelease({
          repository,
          indexDigest: index.digest,
          images,
          key: options.settings.key,
          tlogUpload: options.settings.tlogUpload,
          insecure: plan.insecureRegistry,
          cosign: { env },
          signal,
        }),
      );
    },
  };
}
