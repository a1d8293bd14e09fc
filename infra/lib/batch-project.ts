import type { Duration } from 'aws-cdk-lib';
import type * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { Construct } from 'constructs';
import { ImageBuildProject } from './build-project.js';
import type { ImageBuildProjectProps } from './build-project.js';

export interface BatchBuildProjectProps extends Omit<ImageBuildProjectProps, 'timeout'> {
  /** The compute types the graph's builds may ask for (the per-arch and manifest sizes). */
  readonly computeTypesAllowed: readonly codebuild.ComputeType[];
  /** Guard against a runaway graph: the batch graph has one build per arch plus the manifest. */
  readonly maximumBuildsAllowed: number;
  /** Limit for the whole batch, all builds together. */
  readonly batchTimeout: Duration;
  /** Limit for each build of the batch. */
  readonly buildTimeout: Duration;
}

/**
 * The optional CodeBuild batch project: one `StartBuildBatch` runs the build graph of
 * `buildspec-batch.yml` (both arches in parallel, then the manifest), all within this
 * project. Its builds run under this project's role; the separate batch service role only
 * lets CodeBuild start, stop and retry builds of this very project.
 */
export class BatchBuildProject extends Construct {
  readonly build: ImageBuildProject;

  constructor(scope: Construct, id: string, props: BatchBuildProjectProps) {
    super(scope, id);
    this.build = new ImageBuildProject(this, 'Build', { ...props, timeout: props.buildTimeout });
    const project = this.build.project;

    // CDK creates the batch service role, scoped to this project's ARN
    // (codebuild:StartBuild, StopBuild, RetryBuild).
    project.enableBatchBuilds();
    const cfn = project.node.defaultChild as codebuild.CfnProject;
    cfn.addPropertyOverride('BuildBatchConfig.CombineArtifacts', false);
    cfn.addPropertyOverride('BuildBatchConfig.TimeoutInMins', props.batchTimeout.toMinutes());
    cfn.addPropertyOverride('BuildBatchConfig.Restrictions', {
      ComputeTypesAllowed: [...props.computeTypesAllowed],
      MaximumBuildsAllowed: props.maximumBuildsAllowed,
    });
  }
}
