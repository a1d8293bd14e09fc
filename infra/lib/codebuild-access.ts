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
