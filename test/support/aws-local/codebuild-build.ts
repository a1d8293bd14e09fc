import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BuildShell } from './buildspec-shell.js';
import { containerPrefix, executeBuildspec, type BuildspecPhaseType, type PhaseContext, type PhaseOutcome } from './buildspec-phases.js';
import { parseBuildspec, type Buildspec } from './buildspec-schema.js';
import { prepareSource, type PrepareSourceOptions } from './codebuild-source.js';
import { epochSeconds } from './codebuild-wire.js';
import type { LogsStore } from './logs-store.js';

export type BuildPhaseType = 'SUBMITTED' | 'QUEUED' | 'PROVISIONING' | 'DOWNLOAD_SOURCE' | BuildspecPhaseType | 'UPLOAD_ARTIFACTS' | 'FINALIZING' | 'COMPLETED';
export type BuildStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'TIMED_OUT' | 'FAULT';

interface PhaseRecord {
  phaseType: BuildPhaseType;
  phaseStatus?: PhaseOutcome;
  startTime: number;
  endTime?: number;
  contexts?: PhaseContext[];
}

/** What one local build needs to run; resolved by the server from project + request. */
export interface LocalBuildPlan {
  readonly id: string;
  readonly arn: string;
  readonly buildNumber: number;
  readonly projectName: string;
  /** Path in the source (or inline YAML) of the buildspec. */
  readonly buildspec: string;
  readonly sourceDir: string;
  readonly source: PrepareSourceOptions;
  /** Environment variables in CodeBuild's order of precedence, lowest first (buildspec `env.variables` go under all of them). */
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly projectEnv: readonly { name: string; value: string; type: string }[];
  readonly timeoutMs: number;
  readonly timeoutInMinutes: number;
  readonly faults: { readonly forceFailure?: BuildspecPhaseType; readonly stuckQueued?: boolean; readonly timeoutAfterMs?: number };
  readonly keepWorkDir?: boolean;
  /**
   * Set for a build of a batch: the batch's ARN, this build's graph identifier, and the
   * source version the batch resolved once for all its builds (`sourceDir` is then the
   * batch's snapshot of the source, not a git checkout).
   */
  readonly batch?: { readonly arn: string; readonly identifier: string; readonly resolvedSourceVersion: string };
}

/**
 * One build: its record as BatchGetBuilds reports it, and the run that fills it in,
 * SUBMITTED → … → COMPLETED. Buildspec phases run through {@link executeBuildspec}; the
 * phases around them (provisioning, source download, artifacts) are what a local run
 * actually does there, or instant.
 */
export class LocalBuild {
  readonly phases: PhaseRecord[] = [];
  readonly startTime = Date.now();
  endTime: number | undefined;
  buildStatus: BuildStatus = 'IN_PROGRESS';
  exported: Record<string, string> = {};
  resolvedSourceVersion: string | undefined;
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private readonly logGroup: string;
  private readonly logStream: string;

  constructor(
    readonly plan: LocalBuildPlan,
    private readonly logs: LogsStore,
  ) {
    this.logGroup = `/aws/codebuild/${plan.projectName}`;
    this.logStream = plan.id.slice(plan.id.indexOf(':') + 1);
    logs.createStream(this.logGroup, this.logStream);
    this.done = this.run().catch((error: unknown) => {
      this.log(`${containerPrefix()}emulator fault: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      this.finish('FAULT');
    });
  }

  /** StopBuild: kills the running command's process group; the build ends STOPPED. */
  stop(): void {
    if (!this.endTime) this.controller.abort('STOPPED');
  }

  logLines(): string[] {
    return this.logs.messages(this.logGroup, this.logStream);
  }

  /** The Build structure of the CodeBuild API. */
  toJson(): Record<string, unknown> {
    const { plan } = this;
    const current = this.phases.at(-1);
    return {
      id: plan.id,
      arn: plan.arn,
      buildNumber: plan.buildNumber,
      startTime: epochSeconds(this.startTime),
      ...(this.endTime ? { endTime: epochSeconds(this.endTime) } : {}),
      currentPhase: current?.phaseType ?? 'SUBMITTED',
      buildStatus: this.buildStatus,
      sourceVersion: this.resolvedSourceVersion ?? '',
      ...(this.resolvedSourceVersion ? { resolvedSourceVersion: this.resolvedSourceVersion } : {}),
      projectName: plan.projectName,
      phases: this.phases.map((phase) => ({
        ...phase,
        startTime: epochSeconds(phase.startTime),
        ...(phase.endTime !== undefined ? { endTime: epochSeconds(phase.endTime), durationInSeconds: Math.round((phase.endTime - phase.startTime) / 1000) } : {}),
      })),
      source: { type: 'NO_SOURCE', buildspec: plan.buildspec },
      artifacts: { location: '' },
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'local/codebuild-emulator',
        computeType: 'BUILD_GENERAL1_SMALL',
        privilegedMode: true,
        imagePullCredentialsType: 'CODEBUILD',
        environmentVariables: plan.projectEnv,
      },
      logs: {
        groupName: this.logGroup,
        streamName: this.logStream,
        deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=${encodeURIComponent(this.logGroup)};stream=${this.logStream}`,
        cloudWatchLogsArn: `arn:aws:logs:us-east-1:000000000000:log-group:${this.logGroup}:log-stream:${this.logStream}`,
        cloudWatchLogs: { status: 'ENABLED' },
      },
      timeoutInMinutes: plan.timeoutInMinutes,
      queuedTimeoutInMinutes: 480,
      buildComplete: this.endTime !== undefined,
      initiator: plan.batch ? plan.batch.arn.slice(plan.batch.arn.indexOf('build-batch/') + 'build-batch/'.length) : 'local-emulator',
      ...(plan.batch ? { buildBatchArn: plan.batch.arn } : {}),
      exportedEnvironmentVariables: Object.entries(this.exported).map(([name, value]) => ({ name, value })),
    };
  }

  private log(message: string): void {
    this.logs.append(this.logGroup, this.logStream, message);
  }

  private begin(type: BuildPhaseType): void {
    this.phases.push({ phaseType: type, startTime: Date.now() });
  }

  private end(outcome: PhaseOutcome, context: PhaseContext = { statusCode: '', message: '' }): void {
    const phase = this.phases.at(-1);
    if (!phase || phase.endTime !== undefined) return;
    phase.endTime = Date.now();
    phase.phaseStatus = outcome;
    phase.contexts = [context];
  }

  private instant(type: BuildPhaseType, outcome: PhaseOutcome = 'SUCCEEDED'): void {
    this.begin(type);
    this.end(outcome);
  }

  private finish(status: BuildStatus): void {
    if (this.endTime) return;
    const open = this.phases.at(-1);
    if (open && open.endTime === undefined && open.phaseType !== 'COMPLETED') this.end(status === 'TIMED_OUT' ? 'TIMED_OUT' : status === 'SUCCEEDED' ? 'SUCCEEDED' : status === 'STOPPED' ? 'STOPPED' : 'FAILED');
    if (this.phases.at(-1)?.phaseType !== 'COMPLETED') this.begin('COMPLETED');
    this.buildStatus = status;
    this.endTime = Date.now();
  }

  private async run(): Promise<void> {
    const { plan } = this;
    const signal = this.controller.signal;
    const timer = setTimeout(() => this.controller.abort('TIMED_OUT'), plan.faults.timeoutAfterMs ?? plan.timeoutMs);
    timer.unref();
    const work = await mkdtemp(join(tmpdir(), 'codebuild-local-'));
    try {
      this.instant('SUBMITTED');
      this.begin('QUEUED');
      if (plan.faults.stuckQueued) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      if (signal.aborted) return this.finish(signal.reason === 'TIMED_OUT' ? 'TIMED_OUT' : 'STOPPED');
      this.end('SUCCEEDED');
      this.instant('PROVISIONING');
      this.log(`${containerPrefix()}Waiting for agent ping`);
      this.begin('DOWNLOAD_SOURCE');
      let buildspec: Buildspec;
      let sourceDir: string;
      try {
        const source = await prepareSource(plan.sourceDir, join(work, 'src'), plan.source);
        sourceDir = source.dir;
        this.resolvedSourceVersion = plan.batch?.resolvedSourceVersion ?? source.resolvedSourceVersion;
        buildspec = await loadBuildspec(plan.buildspec, sourceDir);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.log(`${containerPrefix()}${message}`);
        this.end('FAILED', { statusCode: 'YAML_FILE_ERROR', message });
        return this.finish('FAILED');
      }
      this.end('SUCCEEDED');
      this.log(`${containerPrefix()}CODEBUILD_SRC_DIR=${sourceDir}`);
      await mkdir(join(work, 'docker-config'));
      await mkdir(join(work, 'shell'));
      const env = composeEnv(plan, buildspec, sourceDir, join(work, 'docker-config'), this.resolvedSourceVersion ?? '');
      const shell = await BuildShell.create(join(work, 'shell'), sourceDir, env);
      const result = await executeBuildspec({
        buildspec,
        shell,
        signal,
        ...(plan.faults.forceFailure ? { forceFailure: plan.faults.forceFailure } : {}),
        onPhaseStart: (type) => this.begin(type),
        onPhaseEnd: (_type, outcome, context) => this.end(outcome, context),
        log: (line) => this.log(line),
      });
      this.exported = result.exported;
      if (result.outcome === 'STOPPED' || result.outcome === 'TIMED_OUT') return this.finish(result.outcome);
      this.instant('UPLOAD_ARTIFACTS');
      this.instant('FINALIZING');
      this.finish(result.outcome === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED');
    } finally {
      clearTimeout(timer);
      if (!plan.keepWorkDir) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** A path in the source, or (as `buildspecOverride` allows) the buildspec YAML itself. */
async function loadBuildspec(spec: string, sourceDir: string): Promise<Buildspec> {
  if (spec.includes('\n')) {
    const inline: unknown = parse(spec);
    if (inline && typeof inline === 'object') return parseBuildspec(spec, 'inline buildspec');
  }
  const path = join(sourceDir, spec);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`Phase context status code: YAML_FILE_ERROR Message: stat ${path}: no such file or directory`);
  });
  return parseBuildspec(text, spec);
}

function composeEnv(plan: LocalBuildPlan, buildspec: Buildspec, sourceDir: string, dockerConfig: string, revision: string): Record<string, string> {
  const env: Record<string, string> = { ...plan.hostEnv };
  // A fresh CodeBuild container has an empty Docker config: `docker login` must not touch the host's.
  env['DOCKER_CONFIG'] ??= dockerConfig;
  for (const [name, value] of Object.entries(buildspec.env?.variables ?? {})) env[name] = String(value);
  for (const { name, value } of plan.projectEnv) env[name] = value;
  Object.assign(env, {
    CODEBUILD_BUILD_ID: plan.id,
    CODEBUILD_BUILD_ARN: plan.arn,
    CODEBUILD_BUILD_NUMBER: String(plan.buildNumber),
    CODEBUILD_BUILD_IMAGE: 'local/codebuild-emulator',
    CODEBUILD_BUILD_SUCCEEDING: '1',
    CODEBUILD_INITIATOR: 'local-emulator',
    CODEBUILD_LOG_PATH: plan.id.slice(plan.id.indexOf(':') + 1),
    CODEBUILD_RESOLVED_SOURCE_VERSION: revision,
    CODEBUILD_SOURCE_VERSION: revision,
    CODEBUILD_SRC_DIR: sourceDir,
    CODEBUILD_START_TIME: String(Date.now()),
    ...(plan.batch ? { CODEBUILD_BATCH_BUILD_IDENTIFIER: plan.batch.identifier } : {}),
  });
  return env;
}
