import { parseArchList } from '../arch.js';
import { resolveConfig } from '../config/load-config.js';
import { MultiarchError } from '../errors.js';
import { inspectImage, type InspectResult } from '../registry-verbs/inspect-index.js';
import { executePipeline } from '../pipeline/execute-pipeline.js';
import type { PipelineReport } from '../pipeline/report.js';
import type { ProgressEvent } from '../progress/events.js';
import { imageDir, projectRoot } from '../project-paths.js';

export interface DemoOptions {
  readonly stateDir: string;
  readonly registryPort: number;
  readonly arches: string;
  readonly repository: string;
  readonly tag: string;
  readonly signal?: AbortSignal;
  readonly emit?: (event: ProgressEvent) => void;
}

export interface DemoResult {
  readonly report: PipelineReport;
  /** The published multi-arch tag as a registry client sees it. */
  readonly published: InspectResult;
}

/**
 * The whole job on one machine with no cloud account: the pipeline with local builders
 * (amd64 native, arm64 under QEMU), bases bootstrapped here (Docker Hub unreachable) and
 * the embedded registry on 127.0.0.1 — build, smoke-test and push each arch, then the
 * verified multi-arch tag, moved only if every arch passed.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const registry = `127.0.0.1:${options.registryPort}`;
  const config = resolveConfig({
    registry,
    repository: options.repository,
    tag: options.tag,
    arches: parseArchList(options.arches),
    build: { base: 'local' },
  });
  const report = await executePipeline(config, {
    projectDir: projectRoot(),
    productContextDir: imageDir(),
    stateDir: options.stateDir,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
  });
  if (report.error) {
    throw new MultiarchError(report.error.code, `demo: ${report.error.message}${report.previousDigest ? ` (${report.target} still ${report.previousDigest})` : ''}`);
  }
  const published = await inspectImage(report.target, options.signal ? { signal: options.signal } : {});
  return { report, published };
}
