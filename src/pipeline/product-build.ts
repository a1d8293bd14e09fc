import type { Arch } from '../arch.js';
import { resolveBase, type BaseChoice } from '../base/resolve-base.js';
import { defaultCaBundle, imageBuildRequest } from '../builders/image-build-request.js';
import { readSourceMetadata } from '../builders/source-metadata.js';
import type { PipelinePlan } from './plan.js';
import type { ArchBackend } from './run-arch.js';

export interface ProductBuildInputs {
  readonly buildArgs: Partial<Record<Arch, Readonly<Record<string, string>>>>;
  readonly secrets: Partial<Record<Arch, readonly { readonly id: string; readonly src: string }[]>>;
}

/**
 * Build args and secrets of the product image per arch: base images resolved on the
 * engine that builds the arch (local mmdebstrap bases when Docker Hub is unreachable),
 * OCI label metadata from git, and the system CA bundle as the `ca` secret when present.
 * CodeBuild arches build from their own source and get none of this.
 */
export async function productBuildInputs(options: {
  readonly plan: PipelinePlan;
  readonly backends: Readonly<Partial<Record<Arch, ArchBackend>>>;
  readonly projectDir: string;
  readonly stateDir: string;
  readonly base: BaseChoice;
  readonly signal?: AbortSignal;
  readonly onStatus?: (arch: Arch, message: string) => void;
}): Promise<ProductBuildInputs> {
  const metadata = await readSourceMetadata(options.projectDir);
  const caBundle = defaultCaBundle();
  const buildArgs: ProductBuildInputs['buildArgs'] = {};
  const secrets: ProductBuildInputs['secrets'] = {};
  for (const arch of options.plan.arches) {
    const docker = options.backends[arch.arch]?.docker;
    if (!docker) continue;
    const base = await resolveBase(options.base, {
      docker,
      arches: [arch.arch],
      stateDir: options.stateDir,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    });
    const request = imageBuildRequest({ arch: arch.arch, tag: arch.localTag, contextDir: options.plan.contextDir, ...base.args[arch.arch], ...(caBundle ? { caBundle } : {}), metadata, logFile: arch.logFile });
    buildArgs[arch.arch] = request.buildArgs;
    secrets[arch.arch] = request.secrets ?? [];
  }
  return { buildArgs, secrets };
}
