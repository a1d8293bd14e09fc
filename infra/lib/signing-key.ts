import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * What `cosign sign --key awskms:///<arn>` calls: DescribeKey and GetPublicKey to learn the
 * key's algorithm and public half, Sign to sign the digest. Nothing else (no Decrypt, no
 * key administration).
 */
export const KMS_SIGN_ACTIONS = ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign'] as const;

/** What a verifier needs (`cosign verify --key awskms:///<arn>`, `multiarch verify --kms`). */
export const KMS_VERIFY_ACTIONS = ['kms:DescribeKey', 'kms:GetPublicKey'] as const;

/**
 * The release signing key: asymmetric ECC_NIST_P256 for SIGN_VERIFY, the key type cosign
 * signs with through KMS. The private half never leaves KMS; only the manifest project's
 * role may call kms:Sign (an identity grant on this key's ARN; the key policy delegates to
 * IAM in this account, the CDK default). RETAIN: signatures already published must stay
 * verifiable after the stack is gone. (No rotation: KMS rotates symmetric encryption keys
 * only; cdk-nag's KMS5 rule knows this and does not flag asymmetric keys.)
 */
export class SigningKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: { readonly description: string }) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: props.description,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The statement that lets one role sign with this key and nothing more. */
  signStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({ sid: 'SignReleases', actions: [...KMS_SIGN_ACTIONS], resources: [this.key.keyArn] });
  }
}
