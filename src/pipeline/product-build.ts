import type { Arch } from '../arch.js';
import { resolveBase, type BaseChoice } from '../base/resolve-base.js';
import { imageBuildRequest } from '../builders/image-build-request.js';
import { readSourceMetadata, type SourceMetadata } from '../builders/source-metadata.js';
import type { DockerCli } from '../docker/docker-cli.js';
import type { PipelinePlan } from './plan.js';

export interface ProductBuildInputs {
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly secrets: readonly { readonly id: string; readonly src: string }[];
}

/** Resolves one arch's product build inputs on the engine that builds it. */
export type ProductInputsResolver = (arch: Arch, docker: DockerCli, signal: AbortSignal) => Promise<ProductBuildInputs>;

/**
 * Build args and secrets of the product image, per arch and on demand, so each arch goes
 * base → build on its own: base images resolved on the engine that builds the arch (local
 * mmdebstrap bases when Docker Hub is unreachable), OCI label metadata from git (read
 * once), and the system CA bundle as the `ca` secret when present. CodeBuild arches build
 * from their own source and never ask.
 */
export function productInputs(options: {
  readonly plan: PipelinePlan;
  readonly projectDir: string;
  readonly stateDir: string;
  readonly base: BaseChoice;
  readonly onStatus?: (arch: Arch, message: string) => void;
}): ProductInputsResolver {
  let metadata: Promise<SourceMetadata> | undefined;
  const caBundle = options.plan.caBundle;
  return async (arch, docker, signal) => {
    metadata ??= readSourceMetadata(options.projectDir);
    const base = await resolveBase(options.base, {
      docker,
      arches: [arch],
      stateDir: options.stateDir,
      signal,
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    });
    const archPlan = options.plan.arches.find((a) => a.arch === arch);
    const request = imageBuildRequest({
      arch,
      tag: archPlan?.localTag ?? '',
      contextDir: options.plan.contextDir,
      ...base.args[arch],
      ...(caBundle ? { caBundle } : {}),
      metadata: await metadata,
      logFile: archPlan?.logFile ?? '',
    });
    return { buildArgs: request.buildArgs, secrets: request.secrets ?? [] };
  };
}
