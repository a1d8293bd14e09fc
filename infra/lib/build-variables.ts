import { ARCHES, archTagSuffix, perArchTag } from '../../src/arch.js';
import type { Arch } from '../../src/arch.js';

/**
 * The one source of truth for the CodeBuild environment variables. The CDK stack sets
 * them as project defaults and the Jenkinsfile test checks its per-run overrides against
 * {@link archOverrideVariables}, so the project table and the pipeline cannot drift.
 */
export interface VariableContext {
  /** A literal account id, or the token `Stack.account` renders as `AWS::AccountId`. */
  readonly accountId: string;
  /** A literal region, or the token `Stack.region` renders as `AWS::Region`. */
  readonly region: string;
  readonly repositoryName: string;
  /** The multi-arch tag (`latest`). */
  readonly tag: string;
  /** `BASE_IMAGE` of the image builds. */
  readonly baseImage: string;
  /** `BASE_DIGEST`, set only when the base is pinned. */
  readonly baseDigest?: string | undefined;
}

export type BuildVariables = Readonly<Record<string, string>>;

function commonVariables(ctx: VariableContext): BuildVariables {
  return {
    AWS_DEFAULT_REGION: ctx.region,
    AWS_ACCOUNT_ID: ctx.accountId,
    IMAGE_REPO_NAME: ctx.repositoryName,
  };
}

/** What a run overrides per arch: `IMAGE_TAG=latest-arm64v8`, `IMAGE_ARCH=arm64v8`. */
export function archOverrideVariables(tag: string, arch: Arch): BuildVariables {
  return { IMAGE_TAG: perArchTag(tag, arch), IMAGE_ARCH: archTagSuffix(arch) };
}

/** Where image builds start from: not Docker Hub (see src/aws/base-image.ts). */
function baseImageVariables(ctx: VariableContext): BuildVariables {
  return { BASE_IMAGE: ctx.baseImage, ...(ctx.baseDigest ? { BASE_DIGEST: ctx.baseDigest } : {}) };
}

/** The per-arch project's variables: the original table's arm64 / amd64 column, plus the base image. */
export function archBuildVariables(ctx: VariableContext, arch: Arch): BuildVariables {
  return { ...commonVariables(ctx), ...archOverrideVariables(ctx.tag, arch), ...baseImageVariables(ctx) };
}

/**
 * The manifest project's variables: the original table's column plus `MANIFEST_TAG`, our
 * addition, because the original hard-coded the `latest` tag in its buildspec.
 */
export function manifestVariables(ctx: VariableContext): BuildVariables {
  return { ...commonVariables(ctx), MANIFEST_TAG: ctx.tag };
}

/**
 * The batch project's defaults: the manifest set plus the base image. Each arch build of the
 * graph sets only `IMAGE_ARCH` (see `buildspec-batch.yml`); its tags derive from
 * `MANIFEST_TAG`, the one tag input, so `-c tag=v1` (or an override of MANIFEST_TAG at
 * StartBuildBatch) renames every tag the graph writes.
 */
export function batchVariables(ctx: VariableContext): BuildVariables {
  return { ...manifestVariables(ctx), ...baseImageVariables(ctx) };
}

/** Every arch this stack builds a project for, in the order the original listed them. */
export const BUILD_ARCHES: readonly Arch[] = [...ARCHES];
