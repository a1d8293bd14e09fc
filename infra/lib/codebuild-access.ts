import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What the manifest build of the batch graph reads: its own build record (for the batch it
 * belongs to), the batch (for its sibling builds) and the siblings' records (for the
 * IMAGE_DIGEST each exported). CodeBuild authorizes both reads on the *project* ARN, so
 * this is scoped to the batch project alone: no other project's builds are readable.
 */
export const BATCH_READ_ACTIONS = ['codebuild:BatchGetBuilds', 'codebuild:BatchGetBuildBatches'] as const;

export function batchReadStatement(projectArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'ReadOwnBatch', actions: [...BATCH_READ_ACTIONS], resources: [projectArn] });
}

/**
 * What the manifest project needs to run a whole release itself (MANIFEST_SOURCES=builds,
 * the scheduled rebuild): start, watch, stop and read the logs of the per-arch builds. The
 * signing role drives the unprivileged builds, never the other way round: no arch build
 * can start a build that signs.
 */
export const ARCH_BUILD_DRIVE_ACTIONS = ['codebuild:StartBuild', 'codebuild:BatchGetBuilds', 'codebuild:StopBuild'] as const;

export function driveArchBuildsStatements(archProjects: readonly { readonly projectArn: string; readonly logGroupArn: string }[]): iam.PolicyStatement[] {
  const projects = archProjects.map((p) => p.projectArn);
  return [
    new iam.PolicyStatement({ sid: 'DriveArchBuilds', actions: [...ARCH_BUILD_DRIVE_ACTIONS], resources: projects }),
    // An inline buildspec would let the caller run anything under the arch role; the
    // project's own buildspec.yml (from the source) is the only one it may start.
    new iam.PolicyStatement({
      sid: 'NoBuildspecOverride',
      effect: iam.Effect.DENY,
      actions: ['codebuild:StartBuild'],
      resources: projects,
      conditions: { Null: { 'codebuild:source.buildspec': 'false' } },
    }),
    new iam.PolicyStatement({ sid: 'ReadArchBuildLogs', actions: ['logs:GetLogEvents'], resources: archProjects.map((p) => p.logGroupArn) }),
  ];
}
