import { rm } from 'node:fs/promises';
import type { Arch } from '../arch.js';
import { BuildFailedError, CancelledError, MultiarchError, TimeoutError, wrapError } from '../errors.js';
import type { GitSource } from '../attest/git-source.js';
import type { ProgressEvent } from '../progress/events.js';
import { timeoutSignal } from '../timeout-signal.js';
import type { ArchPlan, PipelinePlan } from './plan.js';
import type { ReleaseSigner } from './release-signing.js';
import type { ProductInputsResolver } from './product-build.js';
import { currentDigest, dropRunTags, publish, type BeforeTagsMove } from './publish.js';
import { errorSummary, type ArchReport, type PipelineReport } from './report.js';
import { runArch, type ArchBackend, type TestedImage } from './run-arch.js';
import type { RegistryServices, SmokeTester } from './services.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import { withStepTimeout } from './step-signal.js';

export interface RunPipelineOptions {
  readonly plan: PipelinePlan;
  readonly backends: Readonly<Partial<Record<Arch, ArchBackend>>>;
  /** The product image's per-arch base and labels (absent for a user's own context). */
  readonly productInputs?: ProductInputsResolver;
  /** Required to publish; a build-only run (`plan.stopAfter: 'build'`) touches no registry. */
  readonly registry?: RegistryServices;
  /** The credential source of the registry services, given to `docker push` as well. */
  readonly credentials?: CredentialResolver;
  /** Undefined runs no smoke test on Docker engines (CodeBuild runs its own). */
  readonly smokeTester?: SmokeTester;
  /** Signs and attests the verified index by digest, before any tag moves. */
  readonly beforeTagsMove?: BeforeTagsMove;
  /** Prepares each arch's SBOM and provenance once it is pushed (a signing run). */
  readonly signer?: ReleaseSigner;
  readonly codebuildProjectArn?: (arch: ArchPlan) => string;
  /** The build context's git checkout, read once: what Docker builds are built from. */
  readonly source?: GitSource;
  readonly labels?: Readonly<Record<string, string>>;
  /** Ctrl-C / SIGTERM. */
  readonly signal?: AbortSignal;
  readonly emit?: (event: ProgressEvent) => void;
}

async function previousDigestOf(plan: PipelinePlan, registry: RegistryServices, signal: AbortSignal): Promise<string | undefined> {
  try {
    return await currentDigest(registry, plan.target, signal);
  } catch (error) {
    throw wrapError(`reading the current ${plan.target}`, error);
  }
}

/**
 * One release, one commit: arches built from different commits (a CodeBuild project's
 * default branch moved on, a local checkout ahead of the remote) would make an index that
 * no single source produced.
 */
function mixedCommits(tested: ReadonlyMap<Arch, TestedImage>): BuildFailedError | undefined {
  const known = [...tested].filter(([, image]) => image.commit);
  if (new Set(known.map(([, image]) => image.commit)).size <= 1) return undefined;
  const list = known.map(([arch, image]) => `${arch} ${image.commit ?? ''} (${image.commitFrom ?? '?'})`).join(', ');
  return new BuildFailedError(`the arches were built from different commits: ${list}; pin one with --source-version <commit>. Nothing was published`);
}

/** The failure to report: the first real one, not the cancellations it caused. */
function rootCause(errors: readonly unknown[]): unknown {
  return errors.find((e) => !(e instanceof CancelledError)) ?? errors[0];
}

/**
 * Runs every arch on its own, in parallel (base → build → smoke test → push under a
 * run tag), then — only if all passed — the publish step (`publish.ts`): index by digest,
 * verified by digest, then the tags move. The first failure cancels the other arches; a
 * failed or cancelled run moves no tag. Never throws for a failed step: the report
 * carries the error.
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
    runTarget: a.runTarget,
    ...(a.builder.type === 'codebuild' ? {} : { localTag: a.localTag }),
    steps: {},
    durationMs: 0,
  }));
  const report: PipelineReport = { runId: plan.runId, target: plan.target, status: 'failed', arches: reports, durationMs: 0 };
  const finish = async (error?: unknown): Promise<PipelineReport> => {
    report.durationMs = Date.now() - started;
    if (error === undefined) {
      report.status = plan.stopAfter === 'build' ? 'built' : 'published';
      await rm(plan.logDir, { recursive: true, force: true });
      return report;
    }
    const external: unknown = options.signal?.aborted ? options.signal.reason : undefined;
    const cause = deadline.aborted && external === undefined && error instanceof CancelledError
      ? new TimeoutError(`pipeline exceeded its ${Math.round(plan.timeouts.pipeline / 1000)} s limit`, { cause: error })
      : external instanceof CancelledError && error instanceof CancelledError
        ? external // "cancelled by SIGTERM", not whichever step happened to be running
        : error;
    report.error = errorSummary(cause);
    report.status = report.error.code === 'CANCELLED' ? 'cancelled' : 'failed';
    for (const a of reports) if (a.status !== 'published') a.logFile = plan.arches.find((p) => p.arch === a.arch)?.logFile;
    // a run that did not publish leaves nothing behind where the registry can delete a tag alone
    const pushed = reports.filter((a) => a.digest && a.runTarget).map((a) => a.runTarget as string);
    if (registry && pushed.length > 0) report.runTagsLeft = await dropRunTags(registry, `${plan.registry}/${plan.repository}`, pushed);
    return report;
  };

  if (plan.stopAfter === 'publish') {
    if (!registry) return finish(new MultiarchError('INTERNAL', 'a publishing run needs registry services'));
    try {
      report.previousDigest = await previousDigestOf(plan, registry, signal);
    } catch (error) {
      return finish(error);
    }
  }

  const tested = new Map<Arch, TestedImage>();
  const runOne = async (arch: PipelinePlan['arches'][number], i: number): Promise<void> => {
    const archReport = reports[i] as ArchReport;
    const archStarted = Date.now();
    try {
      const backend = options.backends[arch.arch];
      if (!backend) throw new MultiarchError('INTERNAL', `no builder for ${arch.arch}`);
      if (!backend.docker) archReport.smokeTest = 'in-build';
      const image = await runArch({
        plan, arch, backend, signal, emit, report: archReport,
        ...(registry ? { registry } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.signer ? { signer: options.signer } : {}),
        ...(options.labels ? { labels: options.labels } : {}),
        ...(options.codebuildProjectArn ? { codebuildProjectArn: options.codebuildProjectArn } : {}),
        ...(options.source ? { source: options.source } : {}),
        ...(options.productInputs ? { productInputs: options.productInputs } : {}),
        ...(options.smokeTester ? { smokeTester: options.smokeTester } : {}),
      });
      if (image) {
        tested.set(arch.arch, image);
        archReport.status = 'tested';
        emit({ type: 'phase', subject: arch.arch, phase: 'done', detail: `${image.digest} (waiting for the other arches to publish)` });
      } else {
        archReport.status = 'built';
        emit({ type: 'phase', subject: arch.arch, phase: 'done', detail: `built ${arch.localTag} (${archReport.imageId ?? '?'})` });
      }
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
  };
  const outcomes: PromiseSettledResult<void>[] = [];
  if (plan.sequential) {
    for (const [i, arch] of plan.arches.entries()) outcomes.push(...(await Promise.allSettled([runOne(arch, i)])));
  } else {
    outcomes.push(...(await Promise.allSettled(plan.arches.map(runOne))));
  }
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failures.length > 0) {
    emit({ type: 'phase', subject: 'index', phase: 'skipped', detail: `${plan.target} not moved` });
    return finish(rootCause(failures));
  }
  if (plan.stopAfter === 'build' || !registry) return finish();
  const mixed = mixedCommits(tested);
  if (mixed) {
    emit({ type: 'phase', subject: 'index', phase: 'skipped', detail: `${plan.target} not moved` });
    return finish(mixed);
  }

  const indexStarted = Date.now();
  try {
    const result = await withStepTimeout('publish', signal, plan.timeouts.index, (s) =>
      publish({ plan, registry, arches: tested, previousDigest: report.previousDigest, signal: s, emit, ...(options.beforeTagsMove ? { beforeTagsMove: options.beforeTagsMove } : {}) }),
    );
    for (const a of reports) {
      a.status = 'published';
      a.manifestSize = result.index.manifests.find((m) => m.digest === a.digest)?.size;
    }
    report.digest = result.index.digest;
    report.movedTags = [...result.movedTags];
    report.runTagsLeft = [...result.runTagsLeft];
    report.indexMs = Date.now() - indexStarted;
    emit({ type: 'phase', subject: 'index', phase: 'done', detail: `${plan.target}@${result.index.digest}` });
    return await finish();
  } catch (error) {
    report.indexMs = Date.now() - indexStarted;
    emit({ type: 'phase', subject: 'index', phase: 'failed', detail: errorSummary(error).message });
    return finish(error);
  }
}
