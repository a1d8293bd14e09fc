import { randomUUID } from 'node:crypto';
import { mkdir, appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BatchGetBuildsCommand, StartBuildCommand, StopBuildCommand, type Build, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { archTagSuffix } from '../arch.js';
import { BuildFailedError, CancelledError, MultiarchError, TimeoutError } from '../errors.js';
import type { Builder, BuildRequest, BuildResult } from './builder.js';
import { Backoff, callWithThrottleRetry, isThrottling, pause } from './codebuild-backoff.js';
import { CodeBuildLogFollower } from './codebuild-logs.js';
import { accountLimitError, isAccountLimit } from './codebuild-quota.js';
import { timeoutSignal } from '../timeout-signal.js';

export interface CodeBuildBuilderOptions {
  readonly client: CodeBuildClient;
  readonly logsClient: CloudWatchLogsClient;
  /** The arch's project, e.g. `multi-arch-test-arm64`. */
  readonly project: string;
  /** Passed through as the original buildspec variables. */
  readonly accountId?: string;
  readonly region?: string;
  readonly sourceVersion?: string;
  /**
   * A build of `project` that someone else started (Jenkins, a batch graph): no StartBuild,
   * it is waited for and its result taken like one of ours; never stopped, since the run
   * did not start it.
   */
  readonly adoptBuild?: string;
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  /** Longest a build may stay SUBMITTED/QUEUED/PROVISIONING before it is stopped. */
  readonly queueTimeoutMs: number;
  /** Passed to CodeBuild as timeoutInMinutesOverride (CodeBuild allows 5–2160). */
  readonly buildTimeoutMs?: number;
  /** CodeBuild phase changes and waits, for the progress display. */
  readonly onStatus?: (detail: string) => void;
}

const NOT_STARTED = new Set(['SUBMITTED', 'QUEUED', 'PROVISIONING']);

/** `reg:5000/repo/name:tag` → its parts, as the buildspec variables want them. */
function splitReference(reference: string): { registry: string; repository: string; tag: string } {
  const slash = reference.indexOf('/');
  const colon = reference.lastIndexOf(':');
  if (slash < 0 || colon < slash) throw new MultiarchError('INTERNAL', `CodeBuild needs a full tag reference, got ${reference}`);
  return { registry: reference.slice(0, slash), repository: reference.slice(slash + 1, colon), tag: reference.slice(colon + 1) };
}

function minutes(ms: number): number {
  return Math.min(2160, Math.max(5, Math.ceil(ms / 60_000)));
}

function exported(build: Build, name: string): string | undefined {
  return build.exportedEnvironmentVariables?.find((v) => v.name === name)?.value || undefined;
}

/**
 * The commit CodeBuild resolved the build's source to, and the repository when it is a
 * public https location. Only a full commit SHA counts: a branch name or an S3 object
 * version says nothing about what was built.
 */
function builtSource(build: Build): BuildResult['source'] {
  const commit = build.resolvedSourceVersion;
  if (!commit || !/^[0-9a-f]{40}$/.test(commit) || /^0+$/.test(commit)) return undefined;
  const location = build.source?.location;
  return { commit, ...(location && /^https:\/\/[^@\s]+$/.test(location) ? { repository: location } : {}) };
}

function failureDetail(build: Build): string {
  const phase = build.phases?.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED');
  const context = phase?.contexts?.map((c) => c.message).filter(Boolean).join('; ');
  return phase ? `${phase.phaseType ?? '?'} ${phase.phaseStatus ?? ''}${context ? `: ${context}` : ''}` : (build.buildStatus ?? 'unknown');
}

/**
 * Builds through the arch's CodeBuild project: StartBuild with the original variables as
 * overrides, BatchGetBuilds polling with backoff (throttling slows polling, never fails
 * it), the CloudWatch log stream followed into the log file, StopBuild when cancelled.
 * Success means SUCCEEDED *and* an exported IMAGE_DIGEST — the Jenkins plugin trusted the
 * status alone and could report a failed build as passed.
 */
export function createCodeBuildBuilder(options: CodeBuildBuilderOptions): Builder {
  return {
    name: options.adoptBuild ? `codebuild (${options.adoptBuild})` : `codebuild (${options.project})`,
    async build(request: BuildRequest): Promise<BuildResult> {
      const started = Date.now();
      const signal = request.signal ?? new AbortController().signal;
      const status = (detail: string): void => options.onStatus?.(detail);
      await mkdir(dirname(request.logFile), { recursive: true });
      if (options.adoptBuild) {
        const id = options.adoptBuild;
        await appendFile(request.logFile, `codebuild: adopting ${id}, started outside this run\n`);
        status(`adopting ${id}`);
        const build = await waitForBuild(options, id, request, signal, new Backoff(options.pollIntervalMs, options.maxPollIntervalMs), status);
        if (build.projectName && build.projectName !== options.project) {
          throw new BuildFailedError(`CodeBuild build ${id} belongs to ${build.projectName}, not ${options.project}, the ${request.arch} project`);
        }
        return finished(options.project, build, request, started);
      }
      const { registry, repository, tag } = splitReference(request.tag);
      const env: Record<string, string> = {
        IMAGE_REPO_NAME: repository,
        IMAGE_TAG: tag,
        IMAGE_ARCH: archTagSuffix(request.arch),
        REGISTRY: registry,
        ...(options.accountId ? { AWS_ACCOUNT_ID: options.accountId } : {}),
        ...(options.region ? { AWS_DEFAULT_REGION: options.region } : {}),
        ...(request.buildArgs['BASE_IMAGE'] ? { BASE_IMAGE: request.buildArgs['BASE_IMAGE'] } : {}),
        ...(request.buildArgs['BUILD_BASE_IMAGE'] ? { BUILD_BASE_IMAGE: request.buildArgs['BUILD_BASE_IMAGE'] } : {}),
      };
      const backoff = new Backoff(options.pollIntervalMs, options.maxPollIntervalMs);
      const onThrottle = (wait: number): void => status(`throttled by CodeBuild, retrying in ${(wait / 1000).toFixed(1)} s`);
      const startOut = await callWithThrottleRetry(
        () =>
          options.client.send(
            new StartBuildCommand({
              projectName: options.project,
              // the same token on a retried call cannot start a second build
              idempotencyToken: randomUUID(),
              environmentVariablesOverride: Object.entries(env).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
              ...(options.sourceVersion ? { sourceVersion: options.sourceVersion } : {}),
              ...(options.buildTimeoutMs ? { timeoutInMinutesOverride: minutes(options.buildTimeoutMs) } : {}),
            }),
            { abortSignal: signal },
          ),
        backoff,
        signal,
        onThrottle,
      ).catch((error: unknown) => {
        if (signal.aborted) throw new CancelledError(`starting ${options.project} cancelled`, { cause: error });
        if (isAccountLimit(error)) throw accountLimitError(options.project, error);
        throw new BuildFailedError(`StartBuild ${options.project} failed: ${(error as Error).message}`, { cause: error });
      });
      const id = startOut.build?.id;
      if (!id) throw new BuildFailedError(`StartBuild ${options.project} returned no build id`);
      await appendFile(request.logFile, `codebuild: started ${id} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})\n`);
      status(`started ${id}`);
      backoff.reset();
      let build: Build;
      try {
        build = await waitForBuild(options, id, request, signal, backoff, status);
      } catch (error) {
        // Cancelled, queue timeout or lost contact: never leave a build running that
        // would push a per-arch tag behind the pipeline's back.
        await stopBuild(options.client, id, request.logFile, status);
        throw error;
      }
      return finished(options.project, build, request, started);
    },
  };
}

async function waitForBuild(options: CodeBuildBuilderOptions, id: string, request: BuildRequest, signal: AbortSignal, backoff: Backoff, status: (d: string) => void): Promise<Build> {
  let follower: CodeBuildLogFollower | undefined;
  let lastPhase = '';
  let queuedSince = Date.now();
  for (;;) {
    let build: Build | undefined;
    let throttled = false;
    try {
      const out = await options.client.send(new BatchGetBuildsCommand({ ids: [id] }), { abortSignal: signal });
      build = out.builds?.[0];
      if (!build) throw new BuildFailedError(`CodeBuild does not know build ${id}`);
    } catch (error) {
      if (signal.aborted) throw new CancelledError(`waiting for ${id} cancelled`, { cause: error });
      if (!isThrottling(error)) throw error;
      throttled = true;
      status('throttled by CodeBuild, polling more slowly');
    }
    if (build) {
      const phase = build.currentPhase ?? '';
      if (phase !== lastPhase) {
        status(`${phase}`);
        await appendFile(request.logFile, `codebuild: phase ${phase}\n`);
        lastPhase = phase;
        backoff.reset();
        if (!NOT_STARTED.has(phase)) queuedSince = Number.POSITIVE_INFINITY;
      }
      if (!follower && build.logs?.groupName && build.logs.streamName) {
        follower = new CodeBuildLogFollower(options.logsClient, build.logs.groupName, build.logs.streamName, request.logFile, request.onLine);
      }
      await follower?.drain(signal).catch((error: unknown) => {
        if (signal.aborted) throw new CancelledError('cancelled', { cause: error });
        status(`log stream unavailable: ${(error as Error).message}`);
      });
      if (build.buildStatus && build.buildStatus !== 'IN_PROGRESS') return build;
      if (NOT_STARTED.has(phase) && Date.now() - queuedSince > options.queueTimeoutMs) {
        throw new TimeoutError(`CodeBuild build ${id} did not start within ${Math.round(options.queueTimeoutMs / 1000)} s (still ${phase})`);
      }
      if (!NOT_STARTED.has(phase)) queuedSince = Number.POSITIVE_INFINITY;
      else if (queuedSince === Number.POSITIVE_INFINITY) queuedSince = Date.now();
    }
    await pause(backoff.next(throttled), signal);
  }
}

function finished(project: string, build: Build, request: BuildRequest, started: number): BuildResult {
  const id = build.id ?? '?';
  switch (build.buildStatus) {
    case 'SUCCEEDED': {
      const digest = exported(build, 'IMAGE_DIGEST');
      if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
        throw new BuildFailedError(`${id} reported SUCCEEDED but exported no valid IMAGE_DIGEST (got ${digest ?? 'none'}): not trusting it (log: ${request.logFile})`);
      }
      const imageId = exported(build, 'IMAGE_ID');
      const source = builtSource(build);
      return {
        arch: request.arch,
        tag: request.tag,
        ...(build.id ? { buildId: build.id } : {}),
        ...(source ? { source } : {}),
        // the image the buildspec smoke-tested, when it says: the pushed config must be it
        ...(imageId && /^sha256:[a-f0-9]{64}$/.test(imageId) ? { imageId } : {}),
        pushed: { reference: exported(build, 'IMAGE_URI') ?? request.tag, digest },
        durationMs: Date.now() - started,
      };
    }
    case 'TIMED_OUT':
      throw new TimeoutError(`CodeBuild ${project} build ${id} timed out in ${failureDetail(build)} (log: ${request.logFile})`);
    case 'STOPPED':
      throw new BuildFailedError(`CodeBuild ${project} build ${id} was stopped outside this pipeline (log: ${request.logFile})`);
    default:
      throw new BuildFailedError(`CodeBuild ${project} build ${id} ${build.buildStatus ?? 'ended'}: ${failureDetail(build)} (log: ${request.logFile})`);
  }
}

async function stopBuild(client: CodeBuildClient, id: string, logFile: string, status: (d: string) => void): Promise<void> {
  // A fresh signal: the pipeline's has fired, but the stop request must still go out.
  const signal = timeoutSignal(30_000);
  const backoff = new Backoff(500, 5_000);
  try {
    await callWithThrottleRetry(() => client.send(new StopBuildCommand({ id }), { abortSignal: signal }), backoff, signal);
    status(`stopped ${id}`);
    await appendFile(logFile, `codebuild: StopBuild ${id}\n`);
  } catch (error) {
    await appendFile(logFile, `codebuild: StopBuild ${id} failed: ${(error as Error).message}\n`);
  }
}
