import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuildspecPhaseType } from './buildspec-phases.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBuildBatch, type BatchTask } from './codebuild-batch.js';
import { LocalBuild } from './codebuild-build.js';
import { parseBuildspec, type Buildspec } from './buildspec-schema.js';
import { prepareSource } from './codebuild-source.js';
import type { SourceMode } from './codebuild-source.js';
import { AwsError, readJsonBody, requireString, sendError, sendJson } from './codebuild-wire.js';
import { LogsStore } from './logs-store.js';

/** A CodeBuild project as the local server knows it. */
export interface LocalProject {
  /** Buildspec path relative to the source root (e.g. `buildspec.yml`), as in the project's source. */
  readonly buildspec: string;
  /** The project's plaintext environment variables. */
  readonly environmentVariables: Readonly<Record<string, string>>;
  /** Build timeout (CodeBuild: 5–2160); fractions allowed here so tests can time out fast. Default 60. */
  readonly timeoutMinutes?: number;
}

/**
 * Fault injection. Each is consumed by the next matching call or build:
 * - `throttle`: the next `count` API calls (optionally only these operations, e.g.
 *   `BatchGetBuilds`) answer HTTP 400 `ThrottlingException`;
 * - `fail-build`: the next build (of `project`, if given) fails in `phase` (default BUILD)
 *   without running that phase's commands; the usual transitions follow;
 * - `time-out`: the next build ends TIMED_OUT after `afterMs`, killing what runs then;
 * - `stuck-queued`: the next build never leaves QUEUED (until StopBuild);
 * - `account-limit`: the next `count` StartBuild calls answer `AccountLimitExceededException`,
 *   as CodeBuild does when the account is at its build quota (new accounts: 0 or 1).
 */
export type CodeBuildFault =
  | { readonly kind: 'throttle'; readonly count: number; readonly operations?: readonly string[] }
  | { readonly kind: 'fail-build'; readonly project?: string; readonly phase?: BuildspecPhaseType }
  | { readonly kind: 'time-out'; readonly project?: string; readonly afterMs: number }
  | { readonly kind: 'stuck-queued'; readonly project?: string }
  | { readonly kind: 'account-limit'; readonly count: number; readonly limit?: number };

/** One API call the server received, in order (throttled ones included). */
export interface RecordedCall {
  /** e.g. `CodeBuild_20161006.StopBuild`, `Logs_20140328.GetLogEvents`. */
  readonly target: string;
  /** The operation name alone: `StopBuild`. */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** HTTP status answered. */
  readonly status: number;
  readonly errorType?: string;
}

export interface LocalCodeBuildOptions {
  readonly projects: Readonly<Record<string, LocalProject>>;
  /** The source every build starts from (see {@link SourceMode}); never written to. */
  readonly sourceDir: string;
  /** Default `working-tree`. */
  readonly sourceMode?: SourceMode;
  /**
   * Symlink the source's node_modules into each build (default true: fast and offline).
   * False gives each build a source without node_modules, so a buildspec's own `npm ci`
   * really installs (and never touches the developer's node_modules through a link).
   */
  readonly linkNodeModules?: boolean;
  /**
   * The build container's base environment (PATH, credentials for the fake AWS…), under
   * the buildspec's, the project's and the request's variables. Default: PATH, HOME and
   * LANG of this process. DOCKER_CONFIG defaults to an empty per-build directory.
   */
  readonly env?: Readonly<Record<string, string>>;
  readonly faults?: readonly CodeBuildFault[];
  readonly region?: string;
  readonly accountId?: string;
  /** Keep each build's temp directory (source copy, shell state) for debugging. */
  readonly keepWorkDirs?: boolean;
}

export interface LocalCodeBuild {
  /** `http://127.0.0.1:PORT` — give it to `new CodeBuildClient({ endpoint })`. */
  readonly endpoint: string;
  /** The CloudWatch Logs endpoint (the same server). */
  readonly logsEndpoint: string;
  calls(): RecordedCall[];
  inject(fault: CodeBuildFault): void;
  /** The build's log lines (also readable through GetLogEvents). */
  buildLog(buildId: string): string[];
  /** Resolves when the build has completed (for cleanup in tests; pollers use BatchGetBuilds). */
  waitForBuild(buildId: string): Promise<void>;
  /** Resolves when the batch and all its builds have completed. */
  waitForBatch(batchId: string): Promise<void>;
  /** Stops every running build, waits for them, closes the server. */
  stop(): Promise<void>;
}

/**
 * A local AWS CodeBuild + CloudWatch Logs that really runs builds: `StartBuild` copies the
 * source, parses the project's buildspec and runs its phases with bash on this host
 * (Docker and all), `BatchGetBuilds` reports phases/status/exported variables the way the
 * service does, `StopBuild` kills the running command's process group, and the build log
 * is served by `GetLogEvents`/`FilterLogEvents`. Speaks AWS JSON 1.1 for the real
 * `@aws-sdk/client-codebuild` and `@aws-sdk/client-cloudwatch-logs`; unsigned requests
 * are accepted (signatures are not checked). See docs/codebuild-local.md.
 */
export async function startLocalCodeBuild(options: LocalCodeBuildOptions): Promise<LocalCodeBuild> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const logs = new LogsStore();
  const builds = new Map<string, LocalBuild>();
  const buildNumbers = new Map<string, number>();
  const faults: CodeBuildFault[] = [...(options.faults ?? [])];
  const calls: RecordedCall[] = [];
  const hostEnv: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG']) if (process.env[name] !== undefined) hostEnv[name] = process.env[name] as string;
  Object.assign(hostEnv, options.env ?? {});

  const takeFault = <K extends CodeBuildFault['kind']>(kind: K, project: string): Extract<CodeBuildFault, { kind: K }> | undefined => {
    const index = faults.findIndex((f) => f.kind === kind && (!('project' in f) || f.project === undefined || f.project === project));
    return index < 0 ? undefined : (faults.splice(index, 1)[0] as Extract<CodeBuildFault, { kind: K }>);
  };

  const batches = new Map<string, LocalBuildBatch>();
  const batchNumbers = new Map<string, number>();

  const projectNamed = (projectName: string): LocalProject => {
    const project = options.projects[projectName];
    if (!project) throw new AwsError('ResourceNotFoundException', `Project cannot be found: arn:aws:codebuild:${region}:${accountId}:project/${projectName}`);
    return project;
  };

  /** The project's variables under the request's `environmentVariablesOverride`. */
  const requestEnv = (project: LocalProject, input: Record<string, unknown>): Map<string, { name: string; value: string; type: string }> => {
    const env = new Map(Object.entries(project.environmentVariables).map(([name, value]) => [name, { name, value, type: 'PLAINTEXT' }]));
    for (const item of (input['environmentVariablesOverride'] as { name?: unknown; value?: unknown; type?: unknown }[] | undefined) ?? []) {
      if (typeof item.name !== 'string' || typeof item.value !== 'string') throw new AwsError('InvalidInputException', 'environment variable override needs name and value');
      if (item.type !== undefined && item.type !== 'PLAINTEXT') throw new AwsError('InvalidInputException', `environment variable type ${String(item.type)} is not emulated (PLAINTEXT only)`);
      env.set(item.name, { name: item.name, value: item.value, type: 'PLAINTEXT' });
    }
    return env;
  };

  const takeAccountLimit = (): void => {
    const limit = faults.find((f): f is Extract<CodeBuildFault, { kind: 'account-limit' }> => f.kind === 'account-limit');
    if (!limit) return;
    faults.splice(faults.indexOf(limit), 1);
    if (limit.count > 1) faults.push({ ...limit, count: limit.count - 1 });
    // The service's wording for a new account's queue/concurrency quota.
    throw new AwsError('AccountLimitExceededException', `Cannot have more than ${limit.limit ?? 0} builds in queue for the account`);
  };

  const createBuild = (
    projectName: string,
    buildspec: string,
    env: Map<string, { name: string; value: string; type: string }>,
    timeoutInMinutes: number,
    batch?: { arn: string; identifier: string; resolvedSourceVersion: string; sourceDir: string },
  ): LocalBuild => {
    const buildNumber = (buildNumbers.get(projectName) ?? 0) + 1;
    buildNumbers.set(projectName, buildNumber);
    const id = `${projectName}:${randomUUID()}`;
    const failure = takeFault('fail-build', projectName);
    const timeout = takeFault('time-out', projectName);
    const build = new LocalBuild(
      {
        id,
        arn: `arn:aws:codebuild:${region}:${accountId}:build/${id}`,
        buildNumber,
        projectName,
        buildspec,
        sourceDir: batch?.sourceDir ?? options.sourceDir,
        // A batch's builds copy the batch's snapshot, which has no node_modules to link.
        source: { mode: options.sourceMode ?? 'working-tree', linkNodeModules: batch ? false : (options.linkNodeModules ?? true) },
        hostEnv,
        projectEnv: [...env.values()],
        timeoutMs: timeoutInMinutes * 60_000,
        timeoutInMinutes: Math.max(1, Math.round(timeoutInMinutes)),
        faults: {
          ...(failure ? { forceFailure: failure.phase ?? 'BUILD' } : {}),
          ...(timeout ? { timeoutAfterMs: timeout.afterMs } : {}),
          stuckQueued: takeFault('stuck-queued', projectName) !== undefined,
        },
        keepWorkDir: options.keepWorkDirs ?? false,
        ...(batch ? { batch: { arn: batch.arn, identifier: batch.identifier, resolvedSourceVersion: batch.resolvedSourceVersion } } : {}),
      },
      logs,
    );
    builds.set(id, build);
    return build;
  };

  const codebuild: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartBuild(input) {
      const projectName = requireString(input, 'projectName');
      takeAccountLimit();
      const project = projectNamed(projectName);
      const env = requestEnv(project, input);
      const timeoutInMinutes = typeof input['timeoutInMinutesOverride'] === 'number' ? input['timeoutInMinutesOverride'] : (project.timeoutMinutes ?? 60);
      const buildspec = typeof input['buildspecOverride'] === 'string' && input['buildspecOverride'] ? input['buildspecOverride'] : project.buildspec;
      return { build: createBuild(projectName, buildspec, env, timeoutInMinutes).toJson() };
    },
    /**
     * A batch of the project's `build-graph` (its buildspec's `batch:`), read from the
     * source at start. Each task's build gets the project's variables, the request's
     * overrides, then the task's `env.variables`; its buildspec is the task's, or the batch
     * buildspec itself.
     */
    StartBuildBatch(input) {
      const projectName = requireString(input, 'projectName');
      takeAccountLimit();
      const project = projectNamed(projectName);
      const specPath = typeof input['buildspecOverride'] === 'string' && input['buildspecOverride'] ? input['buildspecOverride'] : project.buildspec;
      let spec: Buildspec;
      try {
        spec = parseBuildspec(readFileSync(join(options.sourceDir, specPath), 'utf8'), specPath);
      } catch (error) {
        throw new AwsError('InvalidInputException', (error as Error).message);
      }
      const graph = spec.batch?.['build-graph'];
      if (!graph) throw new AwsError('InvalidInputException', `${specPath} has no batch build-graph (other batch types are not emulated)`);
      const env = requestEnv(project, input);
      const timeoutInMinutes = typeof input['buildTimeoutInMinutesOverride'] === 'number' ? input['buildTimeoutInMinutesOverride'] : (project.timeoutMinutes ?? 60);
      const number = (batchNumbers.get(projectName) ?? 0) + 1;
      batchNumbers.set(projectName, number);
      const id = `${projectName}:${randomUUID()}`;
      const arn = `arn:aws:codebuild:${region}:${accountId}:build-batch/${id}`;
      const tasks: BatchTask[] = graph.map((entry) => ({ identifier: entry.identifier, dependOn: entry['depend-on'] ?? [], ignoreFailure: entry['ignore-failure'] ?? false }));
      // CodeBuild resolves a batch's source once: every build of the batch builds that commit,
      // whatever the branch (or, here, the working tree) does meanwhile. So the source is
      // snapshotted once, and each build copies the snapshot.
      let snapshot: { dir: string; resolvedSourceVersion: string } | undefined;
      const sourceReady = (async () => {
        const dir = await mkdtemp(join(tmpdir(), 'codebuild-local-batch-'));
        const prepared = await prepareSource(options.sourceDir, join(dir, 'src'), { mode: options.sourceMode ?? 'working-tree', linkNodeModules: false });
        snapshot = { dir, resolvedSourceVersion: prepared.resolvedSourceVersion };
      })();
      const cleanup = async (): Promise<void> => {
        if (snapshot && !options.keepWorkDirs) await rm(snapshot.dir, { recursive: true, force: true });
      };
      const batch = new LocalBuildBatch(id, arn, number, projectName, tasks, spec.batch?.['fast-fail'] ?? false, (task) => {
        const entry = graph.find((e) => e.identifier === task.identifier)!;
        const taskEnv = new Map(env);
        for (const [name, value] of Object.entries(entry.env?.variables ?? {})) taskEnv.set(name, { name, value: String(value), type: 'PLAINTEXT' });
        const source = snapshot!;
        return createBuild(projectName, entry.buildspec ?? specPath, taskEnv, timeoutInMinutes, {
          arn,
          identifier: task.identifier,
          resolvedSourceVersion: source.resolvedSourceVersion,
          sourceDir: join(source.dir, 'src'),
        });
      }, sourceReady, cleanup);
      batches.set(id, batch);
      return { buildBatch: batch.toJson() };
    },
    BatchGetBuildBatches(input) {
      const ids = input['ids'];
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw new AwsError('InvalidInputException', 'ids must hold 1 to 100 batch ids');
      const found = ids.filter((id): id is string => typeof id === 'string' && batches.has(id));
      return { buildBatches: found.map((id) => batches.get(id)?.toJson()), buildBatchesNotFound: ids.filter((id) => !found.includes(id as string)) };
    },
    StopBuildBatch(input) {
      const id = requireString(input, 'id');
      const batch = batches.get(id);
      if (!batch) throw new AwsError('ResourceNotFoundException', `Build batch ${id} does not exist`);
      batch.stop();
      return { buildBatch: batch.toJson() };
    },
    BatchGetBuilds(input) {
      const ids = input['ids'];
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw new AwsError('InvalidInputException', 'ids must hold 1 to 100 build ids');
      const found = ids.filter((id): id is string => typeof id === 'string' && builds.has(id));
      return { builds: found.map((id) => builds.get(id)?.toJson()), buildsNotFound: ids.filter((id) => !found.includes(id as string)) };
    },
    StopBuild(input) {
      const id = requireString(input, 'id');
      const build = builds.get(id);
      if (!build) throw new AwsError('ResourceNotFoundException', `Build ${id} does not exist`);
      build.stop();
      return { build: build.toJson() };
    },
  };
  const cloudwatchLogs: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetLogEvents: (input) => logs.getLogEvents(input),
    FilterLogEvents: (input) => logs.filterLogEvents(input),
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const [service, operation = ''] = target.split('.');
    let input: Record<string, unknown> = {};
    const record = (status: number, errorType?: string): void => {
      calls.push({ target, operation, input, status, ...(errorType ? { errorType } : {}) });
    };
    try {
      if (request.method !== 'POST') throw new AwsError('UnknownOperationException', `${request.method ?? ''} is not supported`);
      input = await readJsonBody(request);
      const throttle = faults.find((f): f is Extract<CodeBuildFault, { kind: 'throttle' }> => f.kind === 'throttle' && (!f.operations || f.operations.includes(operation)));
      if (throttle) {
        faults.splice(faults.indexOf(throttle), 1);
        if (throttle.count > 1) faults.push({ ...throttle, count: throttle.count - 1 });
        throw new AwsError('ThrottlingException', 'Rate exceeded');
      }
      const table = service === 'CodeBuild_20161006' ? codebuild : service === 'Logs_20140328' ? cloudwatchLogs : undefined;
      const handler = table?.[operation];
      if (!handler) throw new AwsError('UnknownOperationException', `${target || '(no X-Amz-Target)'} is not emulated`);
      const output = handler(input);
      record(200);
      sendJson(response, 200, output);
    } catch (error) {
      const awsError = error instanceof AwsError ? error : new AwsError('InternalFailure', 'internal error in the local CodeBuild emulator', 500);
      if (!(error instanceof AwsError)) process.stderr.write(`codebuild-local: ${error instanceof Error ? error.stack : String(error)}\n`);
      record(awsError.status, awsError.type);
      sendError(response, awsError);
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const getBuild = (id: string): LocalBuild => {
    const build = builds.get(id);
    if (!build) throw new Error(`no local build ${id}`);
    return build;
  };
  return {
    endpoint,
    logsEndpoint: endpoint,
    calls: () => [...calls],
    inject: (fault) => void faults.push(fault),
    buildLog: (id) => getBuild(id).logLines(),
    waitForBuild: (id) => getBuild(id).done,
    waitForBatch: async (id) => {
      const batch = batches.get(id);
      if (!batch) throw new Error(`no local batch ${id}`);
      await batch.done;
    },
    async stop() {
      for (const batch of batches.values()) batch.stop();
      for (const build of builds.values()) build.stop();
      await Promise.all([...builds.values()].map((build) => build.done));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
