import * as iam from 'aws-cdk-lib/aws-iam';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';

/**
 * ECR permissions, split by what a build does. Everything except the login token is granted
 * on the one repository ARN; `GetAuthorizationToken` has no resource-level permissions in
 * IAM (the token is for the whole registry), so it is the only statement on `*`.
 */

/** Reading manifests and blobs (HEAD/GET on the registry API, `describe-images`, tag lists). */
export const ECR_READ_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:DescribeImages',
  'ecr:ListImages',
] as const;

/** Uploading layers: only a per-arch build creates blobs. */
export const ECR_LAYER_UPLOAD_ACTIONS = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'] as const;

/** Writing a manifest or an index under a tag. */
export const ECR_PUT_ACTIONS = ['ecr:PutImage'] as const;

/**
 * Removing a run's own `run-…` tags once the published tags point at its images (on an
 * image with other tags, ECR's BatchDeleteImage by tag only removes that tag). IAM has no
 * condition on tag names here, so this is scoped to the repository like the rest.
 */
export const ECR_UNTAG_ACTIONS = ['ecr:BatchDeleteImage'] as const;

export const ECR_AUTH_ACTION = 'ecr:GetAuthorizationToken';

/** The registry login; IAM cannot scope this action to a repository. */
export function ecrLoginStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'EcrLogin', actions: [ECR_AUTH_ACTION], resources: ['*'] });
}

/** A per-arch build: pull (cache, smoke test), upload layers, put the image manifest. */
export function ecrPushStatement(repository: IRepository): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EcrPushImage',
    actions: [...ECR_READ_ACTIONS, ...ECR_LAYER_UPLOAD_ACTIONS, ...ECR_PUT_ACTIONS],
    resources: [repository.repositoryArn],
  });
}

/**
 * The manifest build: read the per-arch manifests and their config blobs (for the platform),
 * put the index, move the published tags to the verified digests and drop the run tags. It
 * never uploads a layer, so it gets no upload actions.
 */
export function ecrIndexStatement(repository: IRepository): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EcrPutIndex',
    actions: [...ECR_READ_ACTIONS, ...ECR_PUT_ACTIONS, ...ECR_UNTAG_ACTIONS],
    resources: [repository.repositoryArn],
  });
}

/** The batch project runs both kinds of build under one role: push layers, publish, untag. */
export function ecrBatchStatement(repository: IRepository): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'EcrPushAndPublish',
    actions: [...ECR_READ_ACTIONS, ...ECR_LAYER_UPLOAD_ACTIONS, ...ECR_PUT_ACTIONS, ...ECR_UNTAG_ACTIONS],
    resources: [repository.repositoryArn],
  });
}
