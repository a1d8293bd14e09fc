import { join } from 'node:path';
import { parseArchList, type Arch } from '../arch.js';
import { buildImages } from '../build/build-images.js';
import { SYSTEM_CA_BUNDLE } from '../build/image-build-request.js';
import { readSourceMetadata } from '../build/source-metadata.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { inspectLocalImage } from '../docker/image-inspect.js';
import { pushImage } from '../docker/push-image.js';
import { SmokeTestFailedError } from '../errors.js';
import { createIndex } from '../index/create-index.js';
import { formatPlatform } from '../oci/platform.js';
import type { ProgressEvent } from '../progress/events.js';
import { imageDir, projectRoot } from '../project-paths.js';
import { runSmokeTest } from '../smoke/run-smoke-test.js';
import { existsSync } from 'node:fs';

export interface DemoOptions {
  readonly host: { readonly docker: DockerCli; readonly stateDir: string; readonly registryPort: number };
  readonly arches: string;
  readonly repository: string;
  readonly tag: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface DemoArchSummary {
  readonly arch: Arch;
  readonly reference: string;
  readonly digest: string;
  readonly uncompressedSize: number;
  readonly compressedSize?: number;
  readonly buildMs: number;
  readonly testPassed: boolean;
  readonly testMs: number;
  readonly pushMs: number;
}

export interface DemoSummary {
  readonly arches: readonly DemoArchSummary[];
  readonly index?: { reference: string; digest: string; mediaType: string; manifests: { platform: string; digest: string }[] };
  readonly totalMs: number;
  readonly logDir: string;
}

/**
 * The whole job on one machine with no cloud account: local Debian bases, both arches
 * built in parallel (arm64 under QEMU), each smoke-tested, pushed to the local registry
 * only if every arch passed, then tied together under one multi-arch tag.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const arches = parseArchList(options.arches);
  const { docker, stateDir, registryPort } = options.host;
  const emit = (event: ProgressEvent): void => options.onProgress?.(event);
  const logDir = join(stateDir, 'logs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const built = await buildImages({
    docker,
    arches,
    repository: options.repository,
    tag: options.tag,
    base: 'local',
    contextDir: imageDir(),
    ...(existsSync(SYSTEM_CA_BUNDLE) ? { caBundle: SYSTEM_CA_BUNDLE } : {}),
    metadata: await readSourceMetadata(projectRoot()),
    stateDir,
    logDir,
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => {
      if (event.kind === 'line') emit({ type: 'line', subject: event.arch, line: event.message });
      else if (event.kind === 'failed') emit({ type: 'phase', subject: event.arch, phase: 'failed', detail: event.message });
      else if (event.message.startsWith('building')) emit({ type: 'phase', subject: event.arch, phase: 'build', detail: event.message });
      else emit({ type: 'status', subject: event.arch, detail: event.message });
    },
  });
  const tests = await Promise.all(
    built.map(async (image) => {
      emit({ type: 'phase', subject: image.arch, phase: 'smoke-test' });
      const result = await runSmokeTest({ docker, image: image.tag, arch: image.arch, logFile: join(logDir, `test-${image.arch}.log`), ...(options.signal ? { signal: options.signal } : {}) });
      emit({ type: 'status', subject: image.arch, detail: `smoke test ${result.passed ? 'passed' : 'FAILED'} in ${(result.durationMs / 1000).toFixed(1)} s` });
      return result;
    }),
  );
  const failed = tests.filter((t) => !t.passed);
  if (failed.length > 0) {
    for (const t of failed) emit({ type: 'phase', subject: t.arch, phase: 'failed', detail: 'smoke test failed' });
    const detail = failed.map((t) => `${t.arch}: ${t.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`).join('; ');
    throw new SmokeTestFailedError(`smoke test failed, nothing pushed — ${detail}`);
  }
  const registry = `127.0.0.1:${registryPort}`;
  const summaries: DemoArchSummary[] = [];
  for (const image of built) {
    emit({ type: 'phase', subject: image.arch, phase: 'push' });
    const pushStarted = Date.now();
    const target = `${registry}/${image.tag}`;
    const pushed = await pushImage({ docker, source: image.tag, target, logFile: join(logDir, `push-${image.arch}.log`), ...(options.signal ? { signal: options.signal } : {}) });
    const info = await inspectLocalImage(docker, image.tag);
    const test = tests.find((t) => t.arch === image.arch);
    summaries.push({
      arch: image.arch,
      reference: target,
      digest: pushed.digest,
      uncompressedSize: info?.size ?? 0,
      buildMs: image.durationMs,
      testPassed: test?.passed ?? false,
      testMs: test?.durationMs ?? 0,
      pushMs: Date.now() - pushStarted,
    });
    emit({ type: 'phase', subject: image.arch, phase: 'done', detail: `${target}@${pushed.digest.slice(0, 19)}` });
  }
  const index = await createIndex({
    target: `${registry}/${options.repository}:${options.tag}`,
    sources: summaries.map((s) => `${registry}/${options.repository}@${s.digest}`),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    arches: summaries,
    index: {
      reference: index.reference,
      digest: index.digest,
      mediaType: index.mediaType,
      manifests: index.manifests.map((m) => ({ platform: formatPlatform(m.platform), digest: m.digest })),
    },
    totalMs: Date.now() - started,
    logDir,
  };
}
