import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRelease, type ReleaseImage } from '../../../src/attest/sign-release.js';
import { ensureSigningKey, type SigningKeyPair } from '../../../src/attest/signing-key.js';
import { ReleaseVerifyFailedError, verifyRelease, type ReleaseVerifyReport } from '../../../src/attest/verify-release.js';
import { CancelledError, SigningError } from '../../../src/errors.js';
import { MediaTypes } from '../../../src/oci/media-types.js';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { runCli } from '../../support/run-cli.js';
import { pushRandomImage, type SyntheticImage } from '../../support/synthetic-image.js';
import { COMMIT, OTHER_COMMIT, publishUnsigned as publishUnsigned_, releaseDocuments, type Release } from './release-fixture.js';

// Preconditions fail loudly: a missing cosign is a host-setup problem, never a skip.
beforeAll(async () => {
  const found = await execa('cosign', ['version'], { reject: false });
  if (found.exitCode !== 0) throw new Error('cosign is not installed: run scripts/setup-host.sh (installs cosign 2.5 from Debian trixie)');
});

let registry: TestRegistry;
let client: RegistryClient;
let dir: string;
let key: SigningKeyPair;
let otherKey: SigningKeyPair;

beforeAll(async () => {
  registry = await startTestRegistry();
  client = new RegistryClient({ registry: registry.host });
  dir = await mkdtemp(join(tmpdir(), 'multiarch-attest-'));
  [key, otherKey] = await Promise.all([ensureSigningKey(join(dir, 'state')), ensureSigningKey(join(dir, 'other-state'))]);
});

afterAll(async () => {
  await client.close();
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

function publishUnsigned(repository: string, tag: string, commit = COMMIT): Promise<Release> {
  return publishUnsigned_(client, registry.host, repository, tag, commit);
}

function documents(image: SyntheticImage, platform: string): ReleaseImage {
  return releaseDocuments(registry.host, image, platform);
}

async function publishSigned(repository: string, tag: string, signer: SigningKeyPair = key): Promise<Release> {
  const release = await publishUnsigned(repository, tag);
  await signRelease({
    repository: `${registry.host}/${repository}`,
    indexDigest: release.indexDigest,
    images: [documents(release.amd64, 'linux/amd64'), documents(release.arm64, 'linux/arm64/v8')],
    key: { kind: 'file', privateKeyPath: signer.privateKeyPath, password: signer.password },
  });
  return release;
}

async function expectVerifyFailure(reference: string, publicKeyPath = key.publicKeyPath): Promise<ReleaseVerifyReport> {
  const error = await verifyRelease({ reference, key: { kind: 'file', publicKeyPath } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReleaseVerifyFailedError);
  return (error as ReleaseVerifyFailedError).report;
}

function failures(report: ReleaseVerifyReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.subject.split(' ')[0]} ${c.check}`);
}

describe('a signed release', () => {
  let release: Release;
  beforeAll(async () => {
    release = await publishSigned('app', 'v1');
  });

  it('verifies: index and both images signed, SBOM and provenance attested, commit matching the label', async () => {
    const report = await verifyRelease({ reference: `${registry.host}/app:v1`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
    expect(report.ok).toBe(true);
    expect(report.digest).toBe(release.indexDigest);
    expect(report.checks.map((c) => `${c.subject.split(' ')[0]} ${c.check}`)).toEqual([
      'index signature',
      'linux/amd64 signature',
      'linux/amd64 sbom attestation',
      'linux/amd64 provenance attestation',
      'linux/amd64 provenance commit',
      'linux/arm64/v8 signature',
      'linux/arm64/v8 sbom attestation',
      'linux/arm64/v8 provenance attestation',
      'linux/arm64/v8 provenance commit',
    ]);
    expect(report.images.map((i) => [i.platform, i.digest, i.provenanceCommit, i.sbom])).toEqual([
      ['linux/amd64', release.amd64.manifestDigest, COMMIT, { debian: 2, npm: 1 }],
      ['linux/arm64/v8', release.arm64.manifestDigest, COMMIT, { debian: 2, npm: 1 }],
    ]);
  });

  it('is accepted by cosign itself: verify on every digest, verify-attestation for both predicate types', async () => {
    const base = ['--key', key.publicKeyPath, '--insecure-ignore-tlog=true', '--allow-http-registry', '--allow-insecure-registry'];
    for (const digest of [release.indexDigest, release.amd64.manifestDigest, release.arm64.manifestDigest]) {
      const result = await execa('cosign', ['verify', ...base, `${registry.host}/app@${digest}`], { reject: false });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    for (const digest of [release.amd64.manifestDigest, release.arm64.manifestDigest]) {
      for (const type of ['cyclonedx', 'slsaprovenance1']) {
        const result = await execa('cosign', ['verify-attestation', ...base, '--type', type, `${registry.host}/app@${digest}`], { reject: false });
        expect(result.exitCode, `${type}: ${result.stderr}`).toBe(0);
        const statement = JSON.parse(Buffer.from((JSON.parse(result.stdout.split('\n')[0] ?? '{}') as { payload: string }).payload, 'base64').toString('utf8')) as { subject: Array<{ digest: { sha256: string } }> };
        expect(statement.subject[0]?.digest.sha256).toBe(digest.slice('sha256:'.length));
      }
    }
  });

  it('`multiarch verify --key` passes (exit 0), and --json carries the same result', async () => {
    const text = await runCli(['verify', `${registry.host}/app:v1`, '--key', key.publicKeyPath]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('ok    linux/arm64/v8');
    expect(text.stdout).toMatch(/all checks passed\n$/);
    const json = await runCli(['verify', `${registry.host}/app:v1`, '--key', key.publicKeyPath, '--json', '--commit', COMMIT]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; digest: string; signatures: ReleaseVerifyReport };
    expect(parsed.ok).toBe(true);
    expect(parsed.digest).toBe(release.indexDigest);
    expect(parsed.signatures.checks).toHaveLength(9);
  });

  it('fails with a commit other than the one the provenance names (--commit)', async () => {
    const result = await runCli(['verify', `${registry.host}/app:v1`, '--key', key.publicKeyPath, '--commit', OTHER_COMMIT]);
    expect(result.code).toBe(6);
    expect(result.stdout).toContain(`provenance commit: the provenance names ${COMMIT}, expected ${OTHER_COMMIT}`);
  });

  it('re-signing replaces the attestations instead of piling them up', async () => {
    await signRelease({
      repository: `${registry.host}/app`,
      indexDigest: release.indexDigest,
      images: [documents(release.amd64, 'linux/amd64'), documents(release.arm64, 'linux/arm64/v8')],
      key: { kind: 'file', privateKeyPath: key.privateKeyPath },
    });
    const att = await client.getManifest('app', `${release.amd64.manifestDigest.replace(':', '-')}.att`);
    const layers = (JSON.parse(att.bytes.toString('utf8')) as { layers: unknown[] }).layers;
    expect(layers).toHaveLength(2);
    expect((await verifyRelease({ reference: `${registry.host}/app:v1`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } })).ok).toBe(true);
  });
});

describe('tampering makes verify fail', () => {
  it('a wrong key: every signature and attestation fails, exit 6', async () => {
    await publishSigned('wrongkey', 'v1');
    const report = await expectVerifyFailure(`${registry.host}/wrongkey:v1`, otherKey.publicKeyPath);
    expect(failures(report)).toEqual(['index signature', 'linux/amd64 signature', 'linux/amd64 sbom attestation', 'linux/amd64 provenance attestation', 'linux/arm64/v8 signature', 'linux/arm64/v8 sbom attestation', 'linux/arm64/v8 provenance attestation']);
    expect(report.checks.find((c) => c.check === 'signature')?.detail).toMatch(/^signature does not verify with this key: /);
    const cli = await runCli(['verify', `${registry.host}/wrongkey:v1`, '--key', otherKey.publicKeyPath]);
    expect(cli.code).toBe(6);
    expect(cli.stderr).toMatch(/failed 7 of 7 signature checks/);
  });

  it('the tag re-pointed to an unsigned index: nothing verifies, and the report says what is absent', async () => {
    await publishSigned('repoint', 'v1');
    const unsigned = await publishUnsigned('repoint', 'evil');
    // move v1 to the unsigned index
    const bytes = (await client.getManifest('repoint', unsigned.indexDigest)).bytes;
    await client.putManifest('repoint', 'v1', bytes, MediaTypes.ociIndex);
    const report = await expectVerifyFailure(`${registry.host}/repoint:v1`);
    expect(report.digest).toBe(unsigned.indexDigest);
    expect(report.checks.filter((c) => c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.subject.startsWith('index'))?.detail).toBe(`no signature (${unsigned.indexDigest.replace(':', '-')}.sig is absent)`);
    expect(report.checks.find((c) => c.check === 'sbom attestation')?.detail).toBe('no https://cyclonedx.org/bom attestation');
  });

  it('an attestation removed: exactly that one is reported missing', async () => {
    const release = await publishSigned('removed', 'v1');
    const tag = `${release.arm64.manifestDigest.replace(':', '-')}.att`;
    const att = await client.getManifest('removed', tag);
    const manifest = JSON.parse(att.bytes.toString('utf8')) as { layers: Array<{ annotations?: Record<string, string> }> };
    manifest.layers = manifest.layers.filter((l) => l.annotations?.['predicateType'] !== 'https://cyclonedx.org/bom');
    expect(manifest.layers).toHaveLength(1);
    await client.putManifest('removed', tag, Buffer.from(JSON.stringify(manifest)), att.mediaType);
    const report = await expectVerifyFailure(`${registry.host}/removed:v1`);
    expect(failures(report)).toEqual(['linux/arm64/v8 sbom attestation']);
    expect(report.checks.find((c) => !c.ok)?.detail).toBe('no https://cyclonedx.org/bom attestation');
  });

  it('a child replaced under the index: the new index is unsigned and so is the swapped child', async () => {
    const release = await publishSigned('swapped', 'v1');
    const labels = { config: { Labels: { 'org.opencontainers.image.revision': COMMIT } } };
    const intruder = await pushRandomImage(client, 'swapped', 'intruder', { architecture: 'arm64', variant: 'v8', format: 'oci', configExtra: labels });
    const index = await createIndex({ target: `${registry.host}/swapped:v1`, sources: [`${registry.host}/swapped@${release.amd64.manifestDigest}`, `${registry.host}/swapped@${intruder.manifestDigest}`] });
    const report = await expectVerifyFailure(`${registry.host}/swapped:v1`);
    expect(report.digest).toBe(index.digest);
    expect(failures(report)).toEqual(['index signature', 'linux/arm64/v8 signature', 'linux/arm64/v8 sbom attestation', 'linux/arm64/v8 provenance attestation']);
  });

  it('a child replaced under an index that was then signed: the child still fails on its own', async () => {
    const release = await publishSigned('swapsigned', 'v1');
    const intruder = await pushRandomImage(client, 'swapsigned', 'intruder', { architecture: 'arm64', variant: 'v8', format: 'oci', configExtra: { config: { Labels: { 'org.opencontainers.image.revision': COMMIT } } } });
    const index = await createIndex({ target: `${registry.host}/swapsigned:v1`, sources: [`${registry.host}/swapsigned@${release.amd64.manifestDigest}`, `${registry.host}/swapsigned@${intruder.manifestDigest}`] });
    await execa('cosign', ['sign', '--key', key.privateKeyPath, '--tlog-upload=false', '--yes', '--allow-http-registry', '--allow-insecure-registry', `${registry.host}/swapsigned@${index.digest}`], { env: { COSIGN_PASSWORD: '' } });
    const report = await expectVerifyFailure(`${registry.host}/swapsigned:v1`);
    expect(failures(report)).toEqual(['linux/arm64/v8 signature', 'linux/arm64/v8 sbom attestation', 'linux/arm64/v8 provenance attestation']);
  });

  it('a provenance that names another commit than the image label', async () => {
    const release = await publishUnsigned('mislabel', 'v1', OTHER_COMMIT);
    await signRelease({
      repository: `${registry.host}/mislabel`,
      indexDigest: release.indexDigest,
      images: [documents(release.amd64, 'linux/amd64'), documents(release.arm64, 'linux/arm64/v8')],
      key: { kind: 'file', privateKeyPath: key.privateKeyPath },
    });
    const report = await expectVerifyFailure(`${registry.host}/mislabel:v1`);
    expect(failures(report)).toEqual(['linux/amd64 provenance commit', 'linux/arm64/v8 provenance commit']);
    expect(report.checks.find((c) => !c.ok)?.detail).toBe(`the provenance names ${COMMIT} but the image's org.opencontainers.image.revision label is ${OTHER_COMMIT}`);
  });
});

describe('a single-manifest release (no index)', () => {
  it('signs and attests the one image once and verifies it as a manifest', async () => {
    const labels = { config: { Labels: { 'org.opencontainers.image.revision': COMMIT } } };
    const image = await pushRandomImage(client, 'single', 'v1', { architecture: 'amd64', format: 'oci', configExtra: labels });
    const result = await signRelease({ repository: `${registry.host}/single`, indexDigest: image.manifestDigest, images: [documents(image, 'linux/amd64')], key: { kind: 'file', privateKeyPath: key.privateKeyPath } });
    expect(result.signed).toEqual([image.manifestDigest]);
    const report = await verifyRelease({ reference: `${registry.host}/single:v1`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
    expect(report.kind).toBe('manifest');
    expect(report.checks.map((c) => c.check)).toEqual(['signature', 'sbom attestation', 'provenance attestation', 'provenance commit']);
  });
});

describe('signing failures', () => {
  it('a cancelled signal stops signing with CancelledError before anything is signed', async () => {
    const release = await publishUnsigned('cancelled', 'v1');
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    const error = await signRelease({ repository: `${registry.host}/cancelled`, indexDigest: release.indexDigest, images: [documents(release.amd64, 'linux/amd64')], key: { kind: 'file', privateKeyPath: key.privateKeyPath }, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(await client.headManifest('cancelled', `${release.amd64.manifestDigest.replace(':', '-')}.sig`)).toBeUndefined();
  });

  it('a wrong key password is a SigningError and leaves no index signature', async () => {
    const release = await publishUnsigned('badpass', 'v1');
    const error = await signRelease({
      repository: `${registry.host}/badpass`,
      indexDigest: release.indexDigest,
      images: [documents(release.amd64, 'linux/amd64')],
      key: { kind: 'file', privateKeyPath: key.privateKeyPath, password: 'not-the-password' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningError);
    expect((error as SigningError).message).toMatch(/^signing linux\/amd64 sha256:[a-f0-9]{64}: cosign exited 1: /);
    expect(await client.headManifest('badpass', `${release.indexDigest.replace(':', '-')}.sig`)).toBeUndefined();
  });

  it('bad input is rejected before cosign runs', async () => {
    await expect(signRelease({ repository: `${registry.host}/app:v1`, indexDigest: `sha256:${'0'.repeat(64)}`, images: [], key: { kind: 'file', privateKeyPath: key.privateKeyPath } })).rejects.toThrow(/must have no tag or digest/);
    await expect(signRelease({ repository: `${registry.host}/app`, indexDigest: 'sha256:abc', images: [], key: { kind: 'file', privateKeyPath: key.privateKeyPath } })).rejects.toThrow(/is not a sha256 digest/);
  });

  it('the CLI rejects a bad key flag in one line with exit 2', async () => {
    const both = await runCli(['verify', `${registry.host}/app:v1`, '--key', key.publicKeyPath, '--kms', 'alias/x']);
    expect([both.code, both.stderr]).toEqual([2, 'multiarch: error: give either --key FILE or --kms ARN, not both\n']);
    const missing = await runCli(['verify', `${registry.host}/app:v1`, '--key', join(dir, 'nope.pub')]);
    expect([missing.code, missing.stderr]).toEqual([2, `multiarch: error: cannot read public key file ${join(dir, 'nope.pub')}\n`]);
    const commitOnly = await runCli(['verify', `${registry.host}/app:v1`, '--commit', COMMIT]);
    expect([commitOnly.code, commitOnly.stderr]).toEqual([2, 'multiarch: error: --commit needs --key or --kms (it checks the signed provenance)\n']);
    const badKms = await runCli(['verify', `${registry.host}/app:v1`, '--kms', 'not-a-key']);
    expect(badKms.code).toBe(2);
    expect(badKms.stderr).toMatch(/invalid KMS key "not-a-key"/);
  });
});
