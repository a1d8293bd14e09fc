import { archTagSuffix } from '../arch.js';
import type { Arch } from '../arch.js';

/**
 * Run-scoped references: every run pushes its per-arch images (and the CodeBuild manifest
 * step its index) under tags of its own before any published tag moves, so a failed or
 * cancelled run leaves only these behind. The CDK app's lifecycle rule expires anything
 * still tagged `run-…` after {@link RUN_TAG_RETENTION_DAYS}; a successful run removes its
 * own run tags once the real tags point at the images.
 */
export const RUN_TAG_PREFIX = 'run-';

export const RUN_TAG_RETENTION_DAYS = 1;

/** `run-<runId>` for an index, `run-<runId>-amd64` / `run-<runId>-arm64v8` per arch. */
export function runTag(runId: string, arch?: Arch): string {
  return arch ? `${RUN_TAG_PREFIX}${runId}-${archTagSuffix(arch)}` : `${RUN_TAG_PREFIX}${runId}`;
}
