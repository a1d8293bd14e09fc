import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

export interface ImageRepositoryProps {
  readonly repositoryName: string;
  /** Days an untagged image is kept before the lifecycle rule expires it. */
  readonly untaggedImageDays?: number;
}

export const DEFAULT_UNTAGGED_IMAGE_DAYS = 14;

/**
 * The ECR repository that receives the per-arch images and the multi-arch index.
 *
 * - Tags are MUTABLE on purpose: every run moves `latest`, `latest-amd64` and
 *   `latest-arm64v8`; an immutable repository would refuse the second run.
 * - Encryption is AES256 (S3-managed keys, still encrypted at rest). The images hold public
 *   open-source software only, and a customer key would add a key policy and `kms:Decrypt`
 *   grants for every consumer that pulls; ECR cannot change the encryption of an existing
 *   repository, so this is chosen once, here.
 * - Untagged images expire: a moved tag leaves its old manifest untagged. The index and
 *   the per-arch manifests it references move together (each multi-arch tag has its own
 *   per-arch tags), so no tagged index is left pointing at an expired child.
 * - RETAIN: the images are the product; deleting the stack must not delete them.
 */
export class ImageRepository extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.MUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images (left behind when a tag moves)',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(props.untaggedImageDays ?? DEFAULT_UNTAGGED_IMAGE_DAYS),
        },
      ],
    });
    // CDK leaves AES256 (the service default) out of the template; write it, so the template
    // states the choice and a later change shows up as a (replacing) diff.
    (this.repository.node.defaultChild as ecr.CfnRepository).addPropertyOverride('EncryptionConfiguration', { EncryptionType: 'AES256' });
  }
}
