import { describe, expect, it } from 'vitest';
import { cosignKeyArgument, describeKey, kmsKeyUri } from '../../../src/attest/key-source.js';

const ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('kmsKeyUri', () => {
  it('makes cosign awskms URIs from every KeyId form KMS accepts', () => {
    expect(kmsKeyUri(ARN)).toBe(`awskms:///${ARN}`);
    expect(kmsKeyUri('1234abcd-12ab-34cd-56ef-1234567890ab')).toBe('awskms:///1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(kmsKeyUri('alias/multiarch-signing')).toBe('awskms:///alias/multiarch-signing');
    expect(kmsKeyUri('arn:aws:kms:eu-west-1:123456789012:alias/multiarch-signing')).toBe('awskms:///arn:aws:kms:eu-west-1:123456789012:alias/multiarch-signing');
  });

  it('puts a custom endpoint in the URI host, and accepts a URI that already has one', () => {
    expect(kmsKeyUri(ARN, '127.0.0.1:4566')).toBe(`awskms://127.0.0.1:4566/${ARN}`);
    expect(kmsKeyUri(`awskms://127.0.0.1:4566/${ARN}`)).toBe(`awskms://127.0.0.1:4566/${ARN}`);
    expect(kmsKeyUri(`awskms:///${ARN}`)).toBe(`awskms:///${ARN}`);
  });

  it('rejects what KMS would not accept, in one line', () => {
    expect(() => kmsKeyUri('my-key')).toThrow(/^invalid KMS key "my-key": expected a key ARN/);
    expect(() => kmsKeyUri('arn:aws:kms:eu-west-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab')).toThrow(/invalid KMS key/);
    expect(() => kmsKeyUri('awskms://')).toThrow(/expected awskms:\/\/\[HOST:PORT\]\/KEY/);
    expect(() => kmsKeyUri(ARN, 'http://x')).toThrow(/invalid KMS endpoint/);
    expect(() => kmsKeyUri(`awskms://h:1/${ARN}`, 'h:2')).toThrow(/already names its endpoint/);
  });
});

describe('cosignKeyArgument', () => {
  it('is the private key to sign, the public key to verify, the URI for KMS', () => {
    expect(cosignKeyArgument({ kind: 'file', privateKeyPath: '/s/cosign.key' })).toBe('/s/cosign.key');
    expect(cosignKeyArgument({ kind: 'file', publicKeyPath: '/s/cosign.pub' })).toBe('/s/cosign.pub');
    expect(cosignKeyArgument({ kind: 'kms', uri: `awskms:///${ARN}` })).toBe(`awskms:///${ARN}`);
    expect(describeKey({ kind: 'kms', uri: `awskms:///${ARN}` })).toBe(`KMS key awskms:///${ARN}`);
  });
});

describe('exit codes', () => {
  it('a signing failure has its own exit status, 10', async () => {
    const { exitCodeFor } = await import('../../../src/cli/exit-codes.js');
    const { SigningError } = await import('../../../src/errors.js');
    expect(exitCodeFor(new SigningError('x'))).toBe(10);
  });
});
