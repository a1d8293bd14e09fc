import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseArchList, type Arch } from '../arch.js';
import { BadInputError } from '../errors.js';
import { parseBaseChoice, type BaseChoice } from '../base/resolve-base.js';
import { DEFAULT_ARCH_TAG_TEMPLATE, defaultCaBundle, SYSTEM_CA_BUNDLE } from '../builders/image-build-request.js';
import { imageDir } from '../project-paths.js';

/** Image-build options shared by `build` and `demo`. */
export interface ImageBuildCliOptions {
  readonly arches: readonly Arch[];
  readonly repository: string;
  readonly tag: string;
  readonly archTagTemplate: string;
  readonly base: BaseChoice;
  readonly contextDir: string;
  readonly caBundle?: string;
  readonly sequential: boolean;
}

export function addImageBuildOptions(command: Command, defaults: { base: string }): Command {
  return command
    .option('--arch <list>', 'architectures to build (env IMAGE_ARCH for one)', 'amd64,arm64')
    .option('--repo <name>', 'local repository name for the per-arch tags (env IMAGE_REPO_NAME)')
    .option('--tag <tag>', 'multi-arch tag the per-arch tags derive from (env IMAGE_TAG)')
    .option('--arch-tag <template>', 'per-arch tag template: {tag}, {arch}, {suffix} (amd64 | arm64v8)', DEFAULT_ARCH_TAG_TEMPLATE)
    .option('--base <base>', 'Debian base: auto | public (debian:trixie-slim) | local (mmdebstrap) | IMAGE', defaults.base)
    .option('--context <dir>', 'image build context (contains the Dockerfile)')
    .option('--ca-bundle <file>', `extra CA bundle for npm inside the build (default ${SYSTEM_CA_BUNDLE} when present)`)
    .option('--no-ca-bundle', 'pass no CA bundle to the build')
    .option('--sequential', 'build one arch after the other instead of in parallel');
}

export function resolveImageBuildOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ImageBuildCliOptions {
  const caFlag = raw['caBundle'];
  const caBundle = caFlag === false ? undefined : typeof caFlag === 'string' ? resolve(caFlag) : defaultCaBundle();
  if (caBundle && !existsSync(caBundle)) {
    throw new BadInputError(`CA bundle ${caBundle} does not exist: pass an existing PEM file to --ca-bundle, or --no-ca-bundle`);
  }
  const contextDir = resolve((raw['context'] as string | undefined) ?? imageDir());
  if (!existsSync(join(contextDir, 'Dockerfile'))) {
    throw new BadInputError(`no Dockerfile in build context ${contextDir}: pass the image directory to --context`);
  }
  return Object.freeze({
    arches: parseArchList((raw['arch'] as string | undefined) ?? 'amd64,arm64'),
    repository: (raw['repo'] as string | undefined) ?? env['IMAGE_REPO_NAME'] ?? 'multi-arch-test',
    tag: (raw['tag'] as string | undefined) ?? env['IMAGE_TAG'] ?? 'latest',
    archTagTemplate: (raw['archTag'] as string | undefined) ?? DEFAULT_ARCH_TAG_TEMPLATE,
    base: parseBaseChoice((raw['base'] as string | undefined) ?? 'auto'),
    contextDir,
    ...(caBundle ? { caBundle } : {}),
    sequential: raw['sequential'] === true,
  });
}

export function runLogDir(stateDir: string): string {
  return join(stateDir, 'logs', new Date().toISOString().replace(/[:.]/g, '-'));
}
