import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { archTagSuffix, type Arch } from '../arch.js';
import { BadInputError } from '../errors.js';
import type { BuildRequest } from './builder.js';
import type { SourceMetadata } from './source-metadata.js';

/** The system CA bundle handed to the build (npm behind TLS interception needs it). */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The system bundle when this host has one: what builds get unless told otherwise. */
export function defaultCaBundle(): string | undefined {
  return existsSync(SYSTEM_CA_BUNDLE) ? SYSTEM_CA_BUNDLE : undefined;
}

export interface ImageBuildSettings {
  readonly arch: Arch;
  readonly tag: string;
  readonly contextDir: string;
  /** Base for the final stage; the Dockerfile's public default when undefined. */
  readonly baseImage?: string;
  /** Base for the npm stage, which runs on the build platform. */
  readonly buildBaseImage?: string;
  /** CA bundle passed as the `ca` build secret; undefined passes none. */
  readonly caBundle?: string;
  readonly metadata: SourceMetadata;
  readonly logFile: string;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string) => void;
}

/** Maps our settings onto the Dockerfile's build arguments and secrets. */
export function imageBuildRequest(settings: ImageBuildSettings): BuildRequest {
  const buildArgs: Record<string, string> = {
    ARCH: archTagSuffix(settings.arch),
    VERSION: settings.metadata.version,
    REVISION: settings.metadata.revision,
    CREATED: settings.metadata.created,
  };
  if (settings.metadata.source) buildArgs['SOURCE'] = settings.metadata.source;
  if (settings.baseImage) buildArgs['BASE_IMAGE'] = settings.baseImage;
  if (settings.buildBaseImage) buildArgs['BUILD_BASE_IMAGE'] = settings.buildBaseImage;
  if (settings.caBundle && !existsSync(settings.caBundle)) {
    throw new BadInputError(`CA bundle ${settings.caBundle} does not exist: pass an existing PEM file to --ca-bundle, or --no-ca-bundle`);
  }
  return {
    arch: settings.arch,
    contextDir: settings.contextDir,
    dockerfile: join(settings.contextDir, 'Dockerfile'),
    tag: settings.tag,
    buildArgs,
    secrets: settings.caBundle ? [{ id: 'ca', src: settings.caBundle }] : [],
    logFile: settings.logFile,
    ...(settings.signal ? { signal: settings.signal } : {}),
    ...(settings.onLine ? { onLine: settings.onLine } : {}),
  };
}

/**
 * Per-arch tag from a template: `{tag}-{suffix}` (default, the original convention:
 * `latest-amd64`, `latest-arm64v8`), `{tag}-{arch}` (`latest-arm64`), etc.
 */
export function formatArchTag(template: string, tag: string, arch: Arch): string {
  if (!template.includes('{tag}') || !/\{(arch|suffix)\}/.test(template)) {
    throw new BadInputError(`per-arch tag template "${template}" must contain {tag} and {arch} or {suffix}`);
  }
  return template.replaceAll('{tag}', tag).replaceAll('{arch}', arch).replaceAll('{suffix}', archTagSuffix(arch));
}

export const DEFAULT_ARCH_TAG_TEMPLATE = '{tag}-{suffix}';
