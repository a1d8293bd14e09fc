import { parseArchList } from '../arch.js';
import { resolveConfig } from '../config/load-config.js';
import { MultiarchError } from '../errors.js';
import { inspectImage, type InspectResult } from '../registry-verbs/inspect-index.js';
import { executePipeline } from '../pipeline/execute-pipeline.js';
import { ensureSigningKey } from '../attest/signing-key.js';
import { verifyRelease, type ReleaseVerifyReport } from '../attest/verify-release.js';
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
  /** The demo's own verification of what it published: signatures, SBOMs, provenance. */
  readonly verified: ReleaseVerifyReport;
  /** The public key users verify the demo's releases with. */
  readonly publicKeyPath: string;
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
  // a key pair made once in the state dir: every demo release is signed by the same key
  const key = await ensureSigningKey(options.stateDir, options.signal ? { signal: options.signal } : {});
  const report = await executePipeline(config, {
    projectDir: projectRoot(),
    productContextDir: imageDir(),
    stateDir: options.stateDir,
    signing: { key: { kind: 'file', privateKeyPath: key.privateKeyPath, password: key.password }, tlogUpload: false },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
  });
  if (report.error) {
    throw new MultiarchError(report.error.code, `demo: ${report.error.message}${report.previousDigest ? ` (${report.target} still ${report.previousDigest})` : ''}`);
  }
  const published = await inspectImage(report.target, options.signal ? { signal: options.signal } : {});
  // the demo ends by checking its own tag the way a user would, with the public key alone
  const verified = await verifyRelease({ reference: `${report.target.replace(/:[^:/]+$/, '')}@${report.digest ?? ''}`, key: { kind: 'file', publicKeyPath: key.publicKeyPath }, ...(options.signal ? { signal: options.signal } : {}) });
  return { report, published, verified, publicKeyPath: key.publicKeyPath };
}
