import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

export interface RebuildScheduleProps {
  /** The batch project whose graph the schedule starts (StartBuildBatch). */
  readonly projectName: string;
  readonly projectArn: string;
  /** EventBridge Scheduler expression, e.g. `rate(7 days)`. */
  readonly expression: string;
}

/**
 * The scheduled security rebuild: Chromium ships security fixes every few weeks, and an image
 * that is not rebuilt keeps the old browser. EventBridge Scheduler starts the batch project's
 * graph on a schedule, so the rebuild is the very same digest-pinned publish (both arches
 * built and smoke-tested, index made from their digests, tags moved last) as a manual run.
 *
 * An EventBridge *rule* can only call StartBuild, not StartBuildBatch; Scheduler's universal
 * target calls any API action, under a role that may start batches of this project only.
 */
export class RebuildSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RebuildScheduleProps) {
    super(scope, id);
    const target = new targets.Universal({
      service: 'codebuild',
      action: 'startBuildBatch',
      input: scheduler.ScheduleTargetInput.fromObject({ ProjectName: props.projectName }),
      policyStatements: [new iam.PolicyStatement({ actions: ['codebuild:StartBuildBatch'], resources: [props.projectArn] })],
      // A missed weekly run is retried by the next one; do not pile up retries of a failure.
      retryAttempts: 0,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(props.expression),
      target,
      description: `Security rebuild: runs the ${props.projectName} batch graph (${props.expression})`,
    });
  }
}
