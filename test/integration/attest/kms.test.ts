import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { execa } from 'execa';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsKeyUri } from '../../../src/attest/key-source.js';
import { signRelease } from '../../../src/attest/sign-release.js';
import { verifyRelease } from '../../../src/attest/verify-release.js';
import { SigningError } from '../../../src/errors.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startLocalKms, verifyEcdsaSha256, type LocalKms } from '../../support/aws-local/kms-server.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { runCli } from '../../support/run-cli.js';
import { publishUnsigned, releaseImages } from './release-fixture.js';

// Two principals: the manifest project's role may sign; everyone else may only read the public key.
const SIGNER = { accessKeyId: 'AKIAMANIFESTPROJECT', secretAccessKey: 'manifest-secret' };
const READER = { accessKeyId: 'AKIAVERIFIERONLY', secretAccessKey: 'reader-secret' };

let kms: LocalKms;
let registry: TestRegistry;
let client: RegistryClient;
let dir: string;
let keyArn: string;

function sdk(credentials: typeof SIGNER): KMSClient {
  return new KMSClient({ region: kms.region, endpoint: kms.endpoint, credentials, requestHandler: { httpsAgent: new Agent({ ca: kms.ca }) } });
}

/** What cosign (Go AWS SDK) needs to reach the emulator as `who`: region, keys, and trust in its CA. */
function cosignEnv(who: typeof SIGNER): Record<string, string> {
  return { AWS_REGION: kms.region, AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey, AWS_CA_BUNDLE: kms.caFile, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

beforeAll(async () => {
  const found = await execa('cosign', ['version'], { reject: false });
  if (found.exitCode !== 0) throw new Error('cosign is not installed: run scripts/setup-host.sh (installs cosign 2.5 from Debian trixie)');
  kms = await startLocalKms({ signers: [SIGNER.accessKeyId] });
  registry = await startTestRegistry();
  client = new RegistryClient({ registry: registry.host });
  dir = await mkdtemp(join(tmpdir(), 'multiarch-kms-test-'));
  const created = await sdk(SIGNER).send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'multiarch release signing' }));
  keyArn = created.KeyMetadata?.Arn ?? '';
  await sdk(SIGNER).send(new CreateAliasCommand({ AliasName: 'alias/multiarch-signing', TargetKeyId: created.KeyMetadata?.KeyId }));
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await kms?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the local KMS, through the real AWS SDK', () => {
  it('signs a digest that node crypto verifies against the key GetPublicKey returns, and Verify agrees', async () => {
    const message = Buffer.from('release sha256:…');
    const digest = createHash('sha256').update(message).digest();
    const signed = await sdk(SIGNER).send(new SignCommand({ KeyId: 'alias/multiarch-signing', Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    const pub = await sdk(READER).send(new GetPublicKeyCommand({ KeyId: keyArn }));
    expect(pub.SigningAlgorithms).toEqual(['ECDSA_SHA_256']);
    expect(verifyEcdsaSha256(pub.PublicKey ?? new Uint8Array(), message, signed.Signature ?? new Uint8Array())).toBe(true);
    expect(verifyEcdsaSha256(pub.PublicKey ?? new Uint8Array(), Buffer.from('another message'), signed.Signature ?? new Uint8Array())).toBe(false);
    const verified = await sdk(READER).send(new VerifyCommand({ KeyId: keyArn, Message: message, MessageType: 'RAW', Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(verified.SignatureValid).toBe(true);
  });

  it('answers KMS errors as KMS does: denied signer, wrong digest length, unknown key', async () => {
    const digest = createHash('sha256').update('x').digest();
    await expect(sdk(READER).send(new SignCommand({ KeyId: keyArn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(sdk(SIGNER).send(new SignCommand({ KeyId: keyArn, Message: digest.subarray(0, 20), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sdk(SIGNER).send(new GetPublicKeyCommand({ KeyId: 'alias/nope' }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

describe('a release signed with the KMS key', () => {
  it('is signed through cosign awskms://, verifies with --kms (library and CLI), with cosign, and with the exported public key', async () => {
    const release = await publishUnsigned(client, registry.host, 'kmsapp', 'v1');
    const uri = kmsKeyUri(keyArn, kms.host);
    const signsBefore = kms.calls().filter((c) => c.operation === 'Sign').length;
    await signRelease({ repository: `${registry.host}/kmsapp`, indexDigest: release.indexDigest, images: releaseImages(registry.host, release), key: { kind: 'kms', uri }, cosign: { env: cosignEnv(SIGNER) } });
    // three signatures (index + 2 images) and four attestations, each one KMS Sign call
    expect(kms.calls().filter((c) => c.operation === 'Sign').length - signsBefore).toBe(7);

    const report = await verifyRelease({ reference: `${registry.host}/kmsapp:v1`, key: { kind: 'kms', uri }, cosign: { env: cosignEnv(READER) } });
    expect(report.ok).toBe(true);
    expect(report.key).toBe(`KMS key ${uri}`);

    const cli = await runCli(['verify', `${registry.host}/kmsapp:v1`, '--kms', keyArn, '--kms-endpoint', kms.host], cosignEnv(READER));
    expect(cli.code, cli.stderr).toBe(0);

    const cosign = await execa('cosign', ['verify', '--key', uri, '--insecure-ignore-tlog=true', `${registry.host}/kmsapp@${release.indexDigest}`], { env: cosignEnv(READER), reject: false });
    expect(cosign.exitCode, cosign.stderr).toBe(0);

    // people without KMS access verify with the exported public key
    const pub = await sdk(READER).send(new GetPublicKeyCommand({ KeyId: keyArn }));
    const pem = createPublicKey({ key: Buffer.from(pub.PublicKey ?? new Uint8Array()), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
    await writeFile(join(dir, 'kms.pub'), pem);
    const offline = await verifyRelease({ reference: `${registry.host}/kmsapp:v1`, key: { kind: 'file', publicKeyPath: join(dir, 'kms.pub') } });
    expect(offline.ok).toBe(true);
  });

  it('a principal without kms:Sign cannot publish: SigningError naming the denial, nothing signed', async () => {
    const release = await publishUnsigned(client, registry.host, 'kmsdenied', 'v1');
    const error = await signRelease({ repository: `${registry.host}/kmsdenied`, indexDigest: release.indexDigest, images: releaseImages(registry.host, release), key: { kind: 'kms', uri: kmsKeyUri(keyArn, kms.host) }, cosign: { env: cosignEnv(READER) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningError);
    expect((error as Error).message).toMatch(/AccessDeniedException/);
    for (const digest of [release.indexDigest, release.amd64.manifestDigest]) expect(await client.headManifest('kmsdenied', `${digest.replace(':', '-')}.sig`)).toBeUndefined();
  });

  it('a disabled key cannot sign: SigningError', async () => {
    const release = await publishUnsigned(client, registry.host, 'kmsdisabled', 'v1');
    await sdk(SIGNER).send(new DisableKeyCommand({ KeyId: keyArn }));
    try {
      const error = await signRelease({ repository: `${registry.host}/kmsdisabled`, indexDigest: release.indexDigest, images: releaseImages(registry.host, release), key: { kind: 'kms', uri: kmsKeyUri(keyArn, kms.host) }, cosign: { env: cosignEnv(SIGNER) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SigningError);
      expect((error as Error).message).toMatch(/DisabledException|disabled/);
    } finally {
      await sdk(SIGNER).send(new EnableKeyCommand({ KeyId: keyArn }));
    }
  });
});
