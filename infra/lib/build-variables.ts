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
  readonly region: string;
  readonly repositoryName: string;
  /** The multi-arch tag (`latest`). */
  readonly tag: string;
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

/** The per-arch project's variables: the original table's arm64 / amd64 column. */
export function archBuildVariables(ctx: VariableContext, arch: Arch): BuildVariables {
  return { ...commonVariables(ctx), ...archOverrideVariables(ctx.tag, arch) };
}

/**
 * The manifest project's variables: the original table's column plus `MANIFEST_TAG`, our
 * addition, because the original hard-coded the `latest` tag in its buildspec.
 */
export function manifestVariables(ctx: VariableContext): BuildVariables {
  return { ...commonVariables(ctx), MANIFEST_TAG: ctx.tag };
}

/**
 * The batch project's defaults: the manifest set; each build of the batch graph adds its own
 * `IMAGE_TAG`/`IMAGE_ARCH` (see `buildspec-batch.yml`), derived from `MANIFEST_TAG`.
 */
export function batchVariables(ctx: VariableContext): BuildVariables {
  return manifestVariables(ctx);
}

/** Every arch this stack builds a project for, in the order the original listed them. */
export const BUILD_ARCHES: readonly Arch[] = [...ARCHES];
