import { rm } from 'node:fs/promises';
import type { Arch } from '../arch.js';
import { CancelledError, MultiarchError, TimeoutError, wrapError } from '../errors.js';
import type { ProgressEvent } from '../progress/events.js';
import type { PipelinePlan } from './plan.js';
import { errorSummary, type ArchReport, type PipelineReport } from './report.js';
import { runArch, type ArchBackend } from './run-arch.js';
import type { RegistryServices, SmokeTester } from './services.js';
import { withStepTimeout } from './step-signal.js';
import { timeoutSignal } from '../timeout-signal.js';

export interface RunPipelineOptions {
  readonly plan: PipelinePlan;
  readonly backends: Readonly<Partial<Record<Arch, ArchBackend>>>;
  /** Per-arch extra build args (the product's base images). */
  readonly buildArgs?: Readonly<Partial<Record<Arch, Readonly<Record<string, string>>>>>;
  readonly secrets?: Readonly<Partial<Record<Arch, readonly { readonly id: string; readonly src: string }[]>>>;
  readonly registry: RegistryServices;
  /** Undefined runs no smoke test on Docker engines (CodeBuild runs its own). */
  readonly smokeTester?: SmokeTester;
  /** Ctrl-C / SIGTERM. */
  readonly signal?: AbortSignal;
  readonly emit?: (event: ProgressEvent) => void;
}

async function previousDigestOf(plan: PipelinePlan, registry: RegistryServices, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await registry.resolveDigest(plan.target, { insecure: plan.insecureRegistry, signal })).digest;
  } catch (error) {
    if (error instanceof MultiarchError && error.code === 'NOT_FOUND') return undefined;
    throw wrapError(`reading the current ${plan.target}`, error);
  }
}

/** The failure to report: the first real one, not the cancellations it caused. */
function rootCause(errors: readonly unknown[]): unknown {
  return errors.find((e) => !(e instanceof CancelledError)) ?? errors[0];
}

/**
 * Runs every arch in parallel (build → smoke test → push), then — only if all passed —
 * points the multi-arch tag at an index of the per-arch digests and verifies it. The
 * first failure cancels the other arches; the multi-arch tag is never touched unless
 * every arch published. Never throws for a failed step: the report carries the error.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineReport> {
  const { plan, registry } = options;
  const emit = options.emit ?? (() => undefined);
  const started = Date.now();
  const siblings = new AbortController();
  const deadline = timeoutSignal(plan.timeouts.pipeline);
  const signal = AbortSignal.any([siblings.signal, deadline, ...(options.signal ? [options.signal] : [])]);
  const reports: ArchReport[] = plan.arches.map((a) => ({
    arch: a.arch,
    builder: options.backends[a.arch]?.builder.name ?? a.builder.type,
    status: 'pending',
    target: a.target,
    steps: {},
    durationMs: 0,
  }));
  const report: PipelineReport = { target: plan.target, status: 'failed', arches: reports, durationMs: 0 };
  const finish = async (error?: unknown): Promise<PipelineReport> => {
    report.durationMs = Date.now() - started;
    if (error === undefined) {
      report.status = 'published';
      await rm(plan.logDir, { recursive: true, force: true });
      return report;
    }
    const cause = deadline.aborted && !(options.signal?.aborted ?? false) && error instanceof CancelledError
      ? new TimeoutError(`pipeline exceeded its ${Math.round(plan.timeouts.pipeline / 1000)} s limit`, { cause: error })
      : error;
    report.error = errorSummary(cause);
    report.status = report.error.code === 'CANCELLED' ? 'cancelled' : 'failed';
    for (const a of reports) if (a.status !== 'published') a.logFile = plan.arches.find((p) => p.arch === a.arch)?.logFile;
    return report;
  };

  try {
    report.previousDigest = await previousDigestOf(plan, registry, signal);
  } catch (error) {
    return finish(error);
  }

  const outcomes = await Promise.allSettled(
    plan.arches.map(async (arch, i) => {
      const archReport = reports[i] as ArchReport;
      const archStarted = Date.now();
      try {
        const backend = options.backends[arch.arch];
        if (!backend) throw new MultiarchError('INTERNAL', `no builder for ${arch.arch}`);
        await runArch({
          plan, arch, backend, registry, signal, emit, report: archReport,
          buildArgs: options.buildArgs?.[arch.arch] ?? {},
          secrets: options.secrets?.[arch.arch] ?? [],
          ...(options.smokeTester ? { smokeTester: options.smokeTester } : {}),
        });
        archReport.status = 'published';
        emit({ type: 'phase', subject: arch.arch, phase: 'done', detail: archReport.digest ?? '' });
      } catch (error) {
        const cancelled = error instanceof CancelledError;
        archReport.status = cancelled ? 'cancelled' : 'failed';
        archReport.error = errorSummary(error);
        emit({ type: 'phase', subject: arch.arch, phase: cancelled ? 'cancelled' : 'failed', detail: archReport.error.message });
        if (!cancelled) siblings.abort(error);
        throw error;
      } finally {
        archReport.durationMs = Date.now() - archStarted;
      }
    }),
  );
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failures.length > 0) {
    emit({ type: 'phase', subject: 'index', phase: 'skipped', detail: `${plan.target} not moved` });
    return finish(rootCause(failures));
  }

  const indexStarted = Date.now();
  emit({ type: 'phase', subject: 'index', phase: 'index' });
  try {
    const sources = reports.map((a) => `${plan.registry}/${plan.repository}@${a.digest ?? ''}`);
    const index = await withStepTimeout('index', signal, plan.timeouts.index, async (s) => {
      const created = await registry.createIndex({ target: plan.target, sources, insecure: plan.insecureRegistry, signal: s });
      emit({ type: 'phase', subject: 'index', phase: 'verify', detail: created.digest });
      await registry.verifyImage({ reference: plan.target, insecure: plan.insecureRegistry, signal: s });
      const now = await registry.resolveDigest(plan.target, { insecure: plan.insecureRegistry, signal: s });
      if (now.digest !== created.digest) {
        throw new MultiarchError('DIGEST_MISMATCH', `${plan.target} is ${now.digest} after pushing index ${created.digest}: another publisher raced this one`);
      }
      return created;
    });
    for (const a of reports) a.manifestSize = index.manifests.find((m) => m.digest === a.digest)?.size;
    report.digest = index.digest;
    report.indexMs = Date.now() - indexStarted;
    emit({ type: 'phase', subject: 'index', phase: 'done', detail: `${plan.target}@${index.digest}` });
    return await finish();
  } catch (error) {
    report.indexMs = Date.now() - indexStarted;
    emit({ type: 'phase', subject: 'index', phase: 'failed', detail: errorSummary(error).message });
    return finish(error);
  }
}
