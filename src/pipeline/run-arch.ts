import { inspectLocalImage } from '../docker/image-inspect.js';
import { pushImage } from '../docker/push-image.js';
import type { DockerCli } from '../docker/docker-cli.js';
import type { Builder } from '../builders/builder.js';
import { MultiarchError, SmokeTestFailedError, throwIfAborted } from '../errors.js';
import type { ProgressEvent } from '../progress/events.js';
import type { ArchPlan, PipelinePlan } from './plan.js';
import type { ArchReport } from './report.js';
import type { RegistryServices, SmokeTester } from './services.js';
import { withStepTimeout } from './step-signal.js';

/** Where one arch is built: a builder, and the engine that holds its result (none for CodeBuild). */
export interface ArchBackend {
  readonly builder: Builder;
  readonly docker?: DockerCli;
}

export interface RunArchOptions {
  readonly plan: PipelinePlan;
  readonly arch: ArchPlan;
  readonly backend: ArchBackend;
  /** Per-arch build args (product base images) on top of plan.buildArgs. */
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly secrets?: readonly { readonly id: string; readonly src: string }[];
  readonly registry: RegistryServices;
  readonly smokeTester?: SmokeTester;
  readonly signal: AbortSignal;
  readonly emit: (event: ProgressEvent) => void;
  /** Filled in as steps finish, so a failure still reports what was done. */
  readonly report: ArchReport;
}

/**
 * build → smoke test → push for one arch. Builders that push themselves (CodeBuild runs
 * the smoke test before its push) skip the last two; their digest is checked against
 * the registry instead of trusted.
 */
export async function runArch(options: RunArchOptions): Promise<void> {
  const { plan, arch, backend, signal, emit, report } = options;
  const subject = arch.arch;
  const timed = async <T>(step: keyof ArchReport['steps'], limit: number, work: (s: AbortSignal) => Promise<T>): Promise<T> => {
    throwIfAborted(signal, `${subject} ${step}`);
    emit({ type: 'phase', subject, phase: step });
    const started = Date.now();
    try {
      return await withStepTimeout(`${subject} ${step}`, signal, limit, work);
    } finally {
      report.steps[step] = Date.now() - started;
    }
  };

  const built = await timed('build', plan.timeouts.build, (s) =>
    backend.builder.build({
      arch: arch.arch,
      contextDir: plan.contextDir,
      dockerfile: plan.dockerfile,
      tag: backend.docker ? arch.localTag : arch.target,
      buildArgs: { ...plan.buildArgs, ...options.buildArgs },
      secrets: [...plan.secrets, ...(options.secrets ?? [])],
      logFile: arch.logFile,
      signal: s,
      onLine: (line) => emit({ type: 'line', subject, line }),
    }),
  );

  if (built.pushed) {
    const pushed = built.pushed;
    await timed('verify', plan.timeouts.push, async (s) => {
      const found = await options.registry.resolveDigest(arch.target, { insecure: plan.insecureRegistry, signal: s });
      if (found.digest !== pushed.digest) {
        throw new MultiarchError('DIGEST_MISMATCH', `${arch.target} is ${found.digest} in the registry, but the build reported ${pushed.digest}`);
      }
    });
    report.digest = pushed.digest;
    await recordSize(options);
    return;
  }

  const docker = backend.docker;
  if (!docker) throw new MultiarchError('INTERNAL', `builder ${backend.builder.name} neither pushed nor left an image on an engine`);
  const info = await inspectLocalImage(docker, arch.localTag, signal);
  if (info) report.uncompressedBytes = info.size;

  if (plan.smokeTest.skip || !options.smokeTester) {
    emit({ type: 'status', subject, detail: 'smoke test skipped' });
  } else {
    const tester = options.smokeTester;
    const outcome = await timed('smoke-test', plan.timeouts.smokeTest, (s) =>
      tester({ docker, image: arch.localTag, arch: arch.arch, signal: s, logFile: arch.logFile, timeoutMs: plan.timeouts.smokeTest }),
    );
    if (!outcome.passed) throw new SmokeTestFailedError(`smoke test of ${arch.localTag} (${arch.platform}) failed: ${outcome.summary}`);
    emit({ type: 'status', subject, detail: outcome.summary });
  }

  const pushed = await timed('push', plan.timeouts.push, (s) => pushImage({ docker, source: arch.localTag, target: arch.target, signal: s, logFile: arch.logFile }));
  report.digest = pushed.digest;
  await recordSize(options);
}

async function recordSize({ registry, plan, report, signal }: RunArchOptions): Promise<void> {
  if (!registry.imageSize || !report.digest) return;
  report.sizeBytes = await registry.imageSize(`${plan.registry}/${plan.repository}@${report.digest}`, { insecure: plan.insecureRegistry, signal }).catch(() => undefined);
}
