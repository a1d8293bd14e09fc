import type { LocalBuild } from './codebuild-build.js';
import { epochSeconds } from './codebuild-wire.js';

/** One task of a batch's `build-graph`, as the local server runs it. */
export interface BatchTask {
  readonly identifier: string;
  readonly dependOn: readonly string[];
  readonly ignoreFailure: boolean;
}

export type BatchStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

interface Group {
  readonly task: BatchTask;
  build?: LocalBuild;
  /** A dependency failed: this task never starts (CodeBuild leaves it without a build). */
  skipped?: boolean;
}

const DONE = new Set(['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'FAULT']);

/**
 * A batch build of a `build-graph`: each task starts once every task it depends on
 * succeeded (or failed with `ignore-failure`); a task whose dependency failed never starts;
 * with `fast-fail`, the first failure stops every running build. The batch's own record is
 * what BatchGetBuildBatches returns (`buildGroups[].currentBuildSummary` points at each
 * task's build), and every build carries `buildBatchArn` and
 * `CODEBUILD_BATCH_BUILD_IDENTIFIER`, as in CodeBuild.
 */
export class LocalBuildBatch {
  status: BatchStatus = 'IN_PROGRESS';
  readonly startTime = Date.now();
  endTime: number | undefined;
  readonly done: Promise<void>;
  private readonly groups: Group[];
  private stopped = false;

  constructor(
    readonly id: string,
    readonly arn: string,
    readonly buildBatchNumber: number,
    readonly projectName: string,
    tasks: readonly BatchTask[],
    private readonly fastFail: boolean,
    private readonly startTask: (task: BatchTask) => LocalBuild,
    /** The batch's one DOWNLOAD_SOURCE: every task builds what it resolved. */
    private readonly sourceReady: Promise<unknown>,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.groups = tasks.map((task) => ({ task }));
    this.done = this.sourceReady.then(
      () => this.run(),
      () => {
        this.status = 'FAILED';
        this.endTime = Date.now();
      },
    ).finally(() => this.cleanup());
  }

  /** StopBuildBatch: stops every running build; nothing more starts. */
  stop(): void {
    this.stopped = true;
    for (const group of this.groups) group.build?.stop();
  }

  private failed(group: Group): boolean {
    return group.skipped === true || (group.build !== undefined && DONE.has(group.build.buildStatus) && group.build.buildStatus !== 'SUCCEEDED');
  }

  private async run(): Promise<void> {
    for (;;) {
      if (!this.stopped) {
        for (const group of this.groups) {
          if (group.build || group.skipped) continue;
          const deps = group.task.dependOn.map((id) => this.groups.find((g) => g.task.identifier === id)!);
          if (deps.some((d) => this.failed(d) && !d.task.ignoreFailure)) group.skipped = true;
          else if (deps.every((d) => d.build?.buildStatus === 'SUCCEEDED' || (this.failed(d) && d.task.ignoreFailure))) group.build = this.startTask(group.task);
        }
      }
      const running = this.groups.filter((g) => g.build && !g.build.endTime).map((g) => g.build!.done);
      if (running.length === 0) break;
      await Promise.race(running);
      if (this.fastFail && this.groups.some((g) => g.build && this.failed(g) && !g.task.ignoreFailure)) this.stop();
    }
    const ok = this.groups.every((g) => g.build?.buildStatus === 'SUCCEEDED' || (this.failed(g) && g.task.ignoreFailure));
    this.status = this.stopped && !ok && !this.groups.some((g) => this.failed(g) && g.build?.buildStatus !== 'STOPPED') ? 'STOPPED' : ok ? 'SUCCEEDED' : 'FAILED';
    this.endTime = Date.now();
  }

  /** The BuildBatch structure of the CodeBuild API. */
  toJson(): Record<string, unknown> {
    return {
      id: this.id,
      arn: this.arn,
      buildBatchNumber: this.buildBatchNumber,
      projectName: this.projectName,
      startTime: epochSeconds(this.startTime),
      ...(this.endTime ? { endTime: epochSeconds(this.endTime) } : {}),
      currentPhase: this.endTime ? this.status : 'IN_PROGRESS',
      buildBatchStatus: this.status,
      complete: this.endTime !== undefined,
      initiator: 'local-emulator',
      buildGroups: this.groups.map((g) => ({
        identifier: g.task.identifier,
        dependsOn: [...g.task.dependOn],
        ignoreFailure: g.task.ignoreFailure,
        ...(g.build ? { currentBuildSummary: { arn: g.build.plan.arn, requestedOn: epochSeconds(g.build.startTime), buildStatus: g.build.buildStatus } } : {}),
      })),
    };
  }
}
