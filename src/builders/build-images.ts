import { join } from 'node:path';
import type { Arch } from '../arch.js';
import type { BaseChoice } from '../base/resolve-base.js';
import { resolveBase } from '../base/resolve-base.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { CancelledError } from '../errors.js';
import type { Builder, BuildResult } from './builder.js';
import { formatArchTag, imageBuildRequest, DEFAULT_ARCH_TAG_TEMPLATE } from './image-build-request.js';
import { createLocalDockerBuilder } from './local-docker.js';
import type { SourceMetadata } from './source-metadata.js';

export interface BuildImagesOptions {
  readonly docker: DockerCli;
  readonly arches: readonly Arch[];
  /** Local repository name for the per-arch tags, e.g. `multi-arch-test`. */
  readonly repository: string;
  readonly tag: string;
  readonly archTagTemplate?: string;
  readonly base: BaseChoice;
  readonly contextDir: string;
  readonly caBundle?: string;
  readonly metadata: SourceMetadata;
  readonly stateDir: string;
  readonly logDir: string;
  /** Build one arch after the other instead of together. */
  readonly sequential?: boolean;
  readonly builder?: Builder;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: BuildEvent) => void;
}

export interface BuildEvent {
  readonly arch: Arch;
  readonly kind: 'status' | 'line' | 'done' | 'failed';
  readonly message: string;
}

export interface BuiltImage extends BuildResult {
  readonly logFile: string;
}

/**
 * Builds the image for every arch, in parallel by default; the first failure cancels the
 * other builds (their partial results are useless: nothing may be published without all).
 */
export async function buildImages(options: BuildImagesOptions): Promise<BuiltImage[]> {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const emit = (event: BuildEvent): void => options.onEvent?.(event);
  const base = await resolveBase(options.base, {
    docker: options.docker,
    arches: options.arches,
    stateDir: options.stateDir,
    signal,
    onStatus: (arch, message) => emit({ arch, kind: 'status', message }),
  });
  const builder = options.builder ?? createLocalDockerBuilder({ docker: options.docker });
  const buildOne = async (arch: Arch): Promise<BuiltImage> => {
    const tag = `${options.repository}:${formatArchTag(options.archTagTemplate ?? DEFAULT_ARCH_TAG_TEMPLATE, options.tag, arch)}`;
    const logFile = join(options.logDir, `build-${arch}.log`);
    emit({ arch, kind: 'status', message: `building ${tag} with ${builder.name}` });
    try {
      const result = await builder.build(
        imageBuildRequest({
          arch,
          tag,
          contextDir: options.contextDir,
          ...base.args[arch],
          ...(options.caBundle ? { caBundle: options.caBundle } : {}),
          metadata: options.metadata,
          logFile,
          signal,
          onLine: (line) => emit({ arch, kind: 'line', message: line }),
        }),
      );
      emit({ arch, kind: 'done', message: `built ${tag} in ${(result.durationMs / 1000).toFixed(1)} s` });
      return { ...result, logFile };
    } catch (error) {
      if (!(error instanceof CancelledError)) controller.abort(error);
      emit({ arch, kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  };
  if (options.sequential) {
    const results: BuiltImage[] = [];
    for (const arch of options.arches) results.push(await buildOne(arch));
    return results;
  }
  const settled = await Promise.allSettled(options.arches.map(buildOne));
  // Report the root cause, not the CancelledError of a sibling stopped because of it.
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
  const root = failures.find((f) => !(f instanceof CancelledError)) ?? failures[0];
  if (root !== undefined) throw root;
  return settled.map((s) => (s as PromiseFulfilledResult<BuiltImage>).value);
}
