import { BadInputError } from '../errors.js';

/** A cosign private key file made by `ensureSigningKey` (or `cosign generate-key-pair`). */
export interface KeyFileSigner {
  readonly kind: 'file';
  readonly privateKeyPath: string;
  /** Password of the private key; empty when absent. */
  readonly password?: string;
}

/** An asymmetric AWS KMS key (ECC_NIST_P256, SIGN_VERIFY) as a cosign `awskms://` URI. */
export interface KmsKey {
  readonly kind: 'kms';
  /** `awskms:///arn:aws:kms:…:key/…`, or `awskms://HOST:PORT/…` for a custom endpoint. */
  readonly uri: string;
}

/** The public half of a key pair, a PEM file. */
export interface PublicKeyFile {
  readonly kind: 'file';
  readonly publicKeyPath: string;
}

/** What signs a release. */
export type SigningKeySource = KeyFileSigner | KmsKey;
/** What a release is verified against: the public key file, or the KMS key (cosign fetches its public half). */
export type VerificationKeySource = PublicKeyFile | KmsKey;

// Forms AWS KMS accepts as a KeyId, the same ones sigstore's awskms URI grammar takes.
const PARTITION = '(?:aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b)';
const KEY_ID = '[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}|mrk-[a-fA-F0-9]{32}';
const ALIAS = 'alias/[a-zA-Z0-9/_-]+';
const KEY_REF_RE = new RegExp(`^(?:(?:arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/)?(?:${KEY_ID})|(?:arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:)?${ALIAS})$`);
const ENDPOINT_RE = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/**
 * The cosign URI of an AWS KMS key. `keyRef` is a key ARN, key ID, alias name or alias ARN,
 * or already an `awskms://` URI (validated and returned). `endpoint` (`HOST:PORT`) points
 * cosign at a KMS endpoint other than the region's (a VPC endpoint, an emulator).
 */
export function kmsKeyUri(keyRef: string, endpoint?: string): string {
  const value = keyRef.trim();
  if (value.startsWith('awskms://')) {
    const rest = value.slice('awskms://'.length);
    const slash = rest.indexOf('/');
    if (slash === -1) throw new BadInputError(`invalid KMS key URI "${keyRef}": expected awskms://[HOST:PORT]/KEY`);
    if (endpoint !== undefined) throw new BadInputError(`KMS key URI "${keyRef}" already names its endpoint; give the endpoint only with a bare key ARN`);
    return kmsKeyUri(rest.slice(slash + 1), rest.slice(0, slash) || undefined);
  }
  if (!KEY_REF_RE.test(value)) {
    throw new BadInputError(`invalid KMS key "${keyRef}": expected a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), key ID, alias/NAME or alias ARN`);
  }
  if (endpoint !== undefined && !ENDPOINT_RE.test(endpoint)) throw new BadInputError(`invalid KMS endpoint "${endpoint}": expected HOST or HOST:PORT`);
  return `awskms://${endpoint ?? ''}/${value}`;
}

/** The `--key` value cosign takes for this source. */
export function cosignKeyArgument(source: SigningKeySource | VerificationKeySource): string {
  if (source.kind === 'kms') return source.uri;
  return 'privateKeyPath' in source ? source.privateKeyPath : source.publicKeyPath;
}

/** Short description for reports: the key file, or the KMS key. */
export function describeKey(source: SigningKeySource | VerificationKeySource): string {
  return source.kind === 'kms' ? `KMS key ${source.uri}` : `key ${cosignKeyArgument(source)}`;
}
