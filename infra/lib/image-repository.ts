import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { RUN_TAG_PREFIX, RUN_TAG_RETENTION_DAYS } from '../../src/aws/run-tags.js';

export interface ImageRepositoryProps {
  readonly repositoryName: string;
  /** The published multi-arch tag; its images are protected from the run-tag rule. */
  readonly tag: string;
  /** Use the repository that already exists under this name instead of creating it. */
  readonly existing: boolean;
  /** Days an untagged image is kept before the lifecycle rule expires it. */
  readonly untaggedImageDays?: number;
}

export const DEFAULT_UNTAGGED_IMAGE_DAYS = 14;

/** ECR has no "keep forever": a count no repository of ours reaches selects without expiring. */
const KEEP_ALL_COUNT = 9999;

/**
 * The lifecycle rules, in ECR's evaluation order. ECR expires an image (all its tags) when a
 * rule selects it, and an image that a higher-priority rule selects cannot be expired by a
 * lower one. So the published tag's images are selected first and kept, and only then do
 * run tags (`run-…`, left by failed or cancelled runs) expire: a run tag still sitting on a
 * published image (a run that moved the tags but died before untagging) cannot take the
 * published image with it.
 */
export function lifecycleRules(tag: string, untaggedImageDays = DEFAULT_UNTAGGED_IMAGE_DAYS): ecr.LifecycleRule[] {
  return [
    {
      rulePriority: 1,
      description: `Keep every image tagged ${tag}* (the published tag and its per-arch tags)`,
      tagStatus: ecr.TagStatus.TAGGED,
      tagPatternList: [`${tag}*`],
      maxImageCount: KEEP_ALL_COUNT,
    },
    {
      rulePriority: 2,
      description: `Expire run-scoped references (${RUN_TAG_PREFIX}*) of runs that did not publish`,
      tagStatus: ecr.TagStatus.TAGGED,
      tagPatternList: [`${RUN_TAG_PREFIX}*`],
      maxImageAge: Duration.days(RUN_TAG_RETENTION_DAYS),
    },
    {
      rulePriority: 3,
      description: 'Expire untagged images (left behind when a tag moves)',
      tagStatus: ecr.TagStatus.UNTAGGED,
      maxImageAge: Duration.days(untaggedImageDays),
    },
  ];
}

/**
 * The ECR repository that receives the per-arch images and the multi-arch index.
 *
 * - Tags are MUTABLE on purpose: every run moves `latest`, `latest-amd64` and
 *   `latest-arm64v8`; an immutable repository would refuse the second run.
 * - Encryption is AES256 (S3-managed keys, still encrypted at rest). The images hold public
 *   open-source software only, and a customer key would add a key policy and `kms:Decrypt`
 *   grants for every consumer that pulls; ECR cannot change the encryption of an existing
 *   repository, so this is chosen once, here.
 * - Lifecycle: see {@link lifecycleRules}.
 * - RETAIN: the images are the product; deleting the stack must not delete them. A
 *   redeploy after `cdk destroy` therefore needs `-c existingRepository=true`.
 * - Existing repository: imported by name (`fromRepositoryName`); the stack grants on it but
 *   does not manage it, so its settings and lifecycle policy stay as they are (docs/aws.md
 *   shows how to apply the same lifecycle policy by hand).
 */
export class ImageRepository extends Construct {
  readonly repository: ecr.IRepository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    if (props.existing) {
      this.repository = ecr.Repository.fromRepositoryName(this, 'Repository', props.repositoryName);
      return;
    }
    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.MUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: lifecycleRules(props.tag, props.untaggedImageDays),
    });
    // CDK leaves AES256 (the service default) out of the template; write it, so the template
    // states the choice and a later change shows up as a (replacing) diff.
    (repository.node.defaultChild as ecr.CfnRepository).addPropertyOverride('EncryptionConfiguration', { EncryptionType: 'AES256' });
    this.repository = repository;
  }
}
