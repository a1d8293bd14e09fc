import { join, resolve } from 'node:path';
import { archTagSuffix, dockerPlatform, perArchTag, type Arch } from '../arch.js';
import { buildProjectName } from '../aws/project-names.js';
import { formatBuilderSpec, type BuilderSpec } from '../config/builder-spec.js';
import { formatDuration } from '../config/duration.js';
import type { PipelineConfig } from '../config/schema.js';

export interface ArchPlan {
  readonly arch: Arch;
  readonly platform: string;
  readonly builder: BuilderSpec;
  /**
   * Convenience tag on the building engine (`multi-arch-test:latest-arm64v8`). Written by
   * the build, never read back: a concurrent run may move it, so later steps use the image ID.
   */
  readonly localTag: string;
  /** The per-arch tag, moved only in the publish step: `registry/repo:latest-arm64v8`. */
  readonly target: string;
  /**
   * Where this run pushes the arch before publishing: `registry/repo:run-<runId>-arm64v8`.
   * Unique to the run, so no other run can move it; the `run-` prefix lets a registry
   * lifecycle rule expire the ones a registry without tag deletion keeps.
   */
  readonly runTarget: string;
  /** CodeBuild project, for the codebuild builder. */
  readonly project?: string;
  readonly logFile: string;
}

export interface PipelinePlan {
  /** This run's identity: in run-scoped tags, log paths and the lock record. */
  readonly runId: string;
  /** The multi-arch tag, moved only when every arch passed: `registry/repo:latest`. */
  readonly target: string;
  /** The multi-arch tag alone: `latest`. */
  readonly tag: string;
  readonly registry: string;
  readonly repository: string;
  readonly arches: readonly ArchPlan[];
  /** The product image (image/Dockerfile with its base images) unless a context was given. */
  readonly product: boolean;
  readonly contextDir: string;
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly secrets: readonly { readonly id: string; readonly src: string }[];
  readonly smokeTest: { readonly skip: boolean; readonly command?: readonly string[] };
  readonly timeouts: PipelineConfig['timeouts'];
  readonly insecureRegistry: boolean;
  readonly logDir: string;
  /** Publish even if another publisher moved the tag since this run started. */
  readonly force: boolean;
  /** Wait for another run on this machine that holds the target, rather than fail. */
  readonly waitForLock: boolean;
  /** `build`: `multiarch build` — the same run, stopped after each arch's build. */
  readonly stopAfter: 'build' | 'publish';
  /** One arch after the other instead of all at once. */
  readonly sequential: boolean;
  /** CA bundle for the product build's `ca` secret; undefined: none. */
  readonly caBundle?: string;
}

export interface PlanOptions {
  /** The product's build context (`<package>/image`), used when the config names none. */
  readonly productContextDir: string;
  /** Unique per run, so concurrent runs never share log files. */
  readonly runId: string;
  readonly stopAfter?: 'build' | 'publish';
  readonly sequential?: boolean;
  /** The system CA bundle, when the config names none (`build.caBundle` unset). */
  readonly defaultCaBundle?: string;
}

/** Prefix of every run-scoped tag; the CDK app's lifecycle rule matches it. */
export const RUN_TAG_PREFIX = 'run-';

/** `run-20261201T054859Z-3fa9c1-arm64v8`: a tag only this run writes. */
export function runTag(runId: string, arch: Arch): string {
  return `${RUN_TAG_PREFIX}${runId}-${archTagSuffix(arch)}`;
}

function localTagName(template: string, tag: string, arch: Arch): string {
  return template.replaceAll('{tag}', tag).replaceAll('{arch}', arch).replaceAll('{suffix}', archTagSuffix(arch));
}

/** Pure: turns the effective config into the list of things the run will do. */
export function planPipeline(config: PipelineConfig, options: PlanOptions): PipelinePlan {
  const product = config.build.context === undefined;
  const contextDir = config.build.context ?? options.productContextDir;
  const logDir = join(config.logDir, options.runId);
  const registryRepo = `${config.registry}/${config.repository}`;
  const caBundle = config.build.caBundle === false ? undefined : (config.build.caBundle ?? options.defaultCaBundle);
  return {
    runId: options.runId,
    target: `${registryRepo}:${config.tag}`,
    tag: config.tag,
    registry: config.registry,
    repository: config.repository,
    arches: config.arches.map((arch) => {
      const builder = config.builders[arch];
      return {
        arch,
        platform: dockerPlatform(arch),
        builder,
        localTag: `${config.repository}:${localTagName(config.build.localTagTemplate, config.tag, arch)}`,
        target: `${registryRepo}:${perArchTag(config.tag, arch)}`,
        runTarget: `${registryRepo}:${runTag(options.runId, arch)}`,
        // an adopted build names its project: `<project>:<uuid>`
        ...(builder.type === 'codebuild' ? { project: builder.project ?? builder.build?.split(':')[0] ?? buildProjectName(config.repository, arch) } : {}),
        logFile: join(logDir, `${arch}.log`),
      };
    }),
    product,
    contextDir,
    // an absolute --dockerfile is taken as given, not re-rooted under the context
    dockerfile: config.build.dockerfile ? resolve(contextDir, config.build.dockerfile) : join(contextDir, 'Dockerfile'),
    buildArgs: config.build.args,
    secrets: config.build.secrets,
    smokeTest: { skip: config.smokeTest.skip, ...(config.smokeTest.command ? { command: config.smokeTest.command } : {}) },
    timeouts: config.timeouts,
    insecureRegistry: config.insecureRegistry,
    logDir,
    force: config.publish.force,
    waitForLock: config.publish.wait,
    stopAfter: options.stopAfter ?? 'publish',
    sequential: options.sequential ?? false,
    ...(caBundle ? { caBundle } : {}),
  };
}

/** Human-readable plan for `--dry-run`. */
export function formatPlan(plan: PipelinePlan): string {
  const lines = [`publish ${plan.target} (multi-arch index, moved only if every arch passes)`];
  for (const a of plan.arches) {
    const where = a.builder.type === 'codebuild' ? `codebuild project ${a.project ?? ''} (IMAGE_ARCH=${archTagSuffix(a.arch)})` : formatBuilderSpec(a.builder);
    const smoke = a.builder.type === 'codebuild' ? 'smoke test in the build' : plan.smokeTest.skip ? 'no smoke test' : plan.smokeTest.command ? `smoke: ${plan.smokeTest.command.join(' ')}` : 'product smoke test';
    lines.push(`  ${a.arch}: build on ${where} → ${smoke} → push ${a.runTarget}`);
  }
  lines.push(`  publish: index by digest → verify (children, platforms ${plan.arches.map((a) => a.platform).join(' + ')}, tested image IDs) → move ${plan.arches.map((a) => a.target.slice(a.target.lastIndexOf(':') + 1)).join(', ')}, then ${plan.tag}${plan.force ? ' (even if moved since the run started)' : ''}`);
  lines.push(`  context ${plan.contextDir}, dockerfile ${plan.dockerfile}${plan.product ? ' (product image)' : ''}`);
  const t = plan.timeouts;
  lines.push(`  timeouts: build ${formatDuration(t.build)}, smoke test ${formatDuration(t.smokeTest)}, push ${formatDuration(t.push)}, index ${formatDuration(t.index)}, pipeline ${formatDuration(t.pipeline)}`);
  lines.push(`  logs: ${plan.logDir} (kept for failed arches)`);
  return lines.join('\n');
}
