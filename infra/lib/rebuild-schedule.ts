import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

export interface RebuildScheduleProps {
  /** The manifest project, which runs the whole release itself in MANIFEST_SOURCES=builds mode. */
  readonly projectName: string;
  readonly projectArn: string;
  /** EventBridge Scheduler expression, e.g. `rate(7 days)`. */
  readonly expression: string;
}

/** The variable override that turns a manifest build into a whole release (buildspec-manifest.yml). */
export const RELEASE_OVERRIDE = Object.freeze({ name: 'MANIFEST_SOURCES', value: 'builds', type: 'PLAINTEXT' });

/**
 * The scheduled security rebuild: Chromium ships security fixes every few weeks, and an image
 * that is not rebuilt keeps the old browser. EventBridge Scheduler starts the manifest
 * project in release mode: it starts both arch builds from its own commit, takes their
 * exported digests, and publishes them signed (index verified by digest, signed with the
 * release key, tags moved last) — the same publish step as `multiarch pipeline`. The batch
 * graph cannot do this signed: its builds share one role, and kms:Sign belongs to the
 * manifest project alone.
 *
 * Scheduler's universal target calls StartBuild under a role that may start this one
 * project and nothing else.
 */
export class RebuildSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RebuildScheduleProps) {
    super(scope, id);
    const target = new targets.Universal({
      service: 'codebuild',
      action: 'startBuild',
      input: scheduler.ScheduleTargetInput.fromObject({
        ProjectName: props.projectName,
        EnvironmentVariablesOverride: [{ Name: RELEASE_OVERRIDE.name, Value: RELEASE_OVERRIDE.value, Type: RELEASE_OVERRIDE.type }],
      }),
      policyStatements: [new iam.PolicyStatement({ actions: ['codebuild:StartBuild'], resources: [props.projectArn] })],
      // A missed weekly run is retried by the next one; do not pile up retries of a failure.
      retryAttempts: 0,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.expression(props.expression),
      target,
      description: `Security rebuild: a signed release by the ${props.projectName} project (${props.expression})`,
    });
  }
}
