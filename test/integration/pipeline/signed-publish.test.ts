import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKey, type SigningKeyPair } from '../../../src/attest/signing-key.js';
import { verifyRelease } from '../../../src/attest/verify-release.js';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyConfig, tinyContext } from './fixtures.js';

/**
 * Signing is part of publishing: the index and every child are signed, each child carries
 * a signed SBOM and provenance, all by digest before any tag moves; a run that cannot
 * sign moves no tag. Real cosign, real registry, real builds.
 */
const REPOSITORY = 'pipeline-signed';
let registry: TestRegistry;
let context: string;
let work: string;
let key: SigningKeyPair;
let other: SigningKeyPair;

const run = (tag: string, password: string, pair = key) =>
  executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY, tag }), {
    projectDir: process.cwd(),
    productContextDir: context,
    stateDir: join(work, 'state'),
    signing: { key: { kind: 'file', privateKeyPath: pair.privateKeyPath, password }, tlogUpload: false },
  });

beforeAll(async () => {
  registry = await startTestRegistry();
  context = await tinyContext();
  // the provenance names the commit the images were built from: the context is a checkout
  for (const args of [['init', '-q'], ['add', '.'], ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'tiny image']]) await execa('git', ['-C', context, ...args]);
  work = await mkdtemp(join(tmpdir(), 'multiarch-signed-'));
  key = await ensureSigningKey(join(work, 'keys'));
  other = await ensureSigningKey(join(work, 'other-keys'));
});
afterAll(async () => {
  await registry?.stop();
  if (registry) await removeImages([REPOSITORY, `${registry.host}/${REPOSITORY}`]);
  for (const dir of [context, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a signed publish', () => {
  it('refuses to sign a build whose context is in no git checkout, before any work', async () => {
    const bare = await tinyContext();
    try {
      const report = await executePipeline(tinyConfig(registry.host, bare, join(work, 'logs'), { repository: REPOSITORY, tag: 'nogit' }), {
        projectDir: process.cwd(), productContextDir: bare, stateDir: join(work, 'state'),
        signing: { key: { kind: 'file', privateKeyPath: key.privateKeyPath, password: key.password }, tlogUpload: false },
      });
      expect(report.error?.code).toBe('BAD_INPUT');
      expect(report.error?.message).toMatch(/signing needs the build context in a git checkout/);
      expect(report.arches.every((a) => a.status === 'pending')).toBe(true);
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  let published: string | undefined;

  it('signs and attests by digest, then moves the tags; our verify and cosign verify accept it', async () => {
    const report = await run('v1', key.password);
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    published = report.digest;
    for (const arch of report.arches) expect(arch.sbom?.debian).toBeGreaterThan(50);
    const target = `${registry.host}/${REPOSITORY}:v1`;
    const verified = await verifyRelease({ reference: target, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
    expect(verified.ok).toBe(true);
    expect(verified.digest).toBe(report.digest);
    expect(verified.images.map((i) => i.platform).sort()).toEqual(['linux/amd64', 'linux/arm64/v8']);
    const head = (await execa('git', ['-C', context, 'rev-parse', 'HEAD'])).stdout;
    expect(verified.images.map((i) => i.provenanceCommit)).toEqual([head, head]);
    const cosign = await execa('cosign', ['verify', '--key', key.publicKeyPath, '--insecure-ignore-tlog', '--allow-http-registry', `${registry.host}/${REPOSITORY}@${report.digest ?? ''}`], { reject: false });
    expect(cosign.stderr).toMatch(/signatures were verified against the specified public key/);
    expect(cosign.exitCode).toBe(0);
    const wrongKey = await verifyRelease({ reference: target, key: { kind: 'file', publicKeyPath: other.publicKeyPath } }).catch((e: unknown) => e);
    expect((wrongKey as { code?: string }).code).toBe('VERIFY_FAILED');
  });

  it('a run that cannot sign (wrong key password) moves no tag, per-arch tags included', async () => {
    expect(published).toBeDefined();
    const before = await Promise.all(['v1', 'v1-amd64', 'v1-arm64v8'].map((t) => currentDigest(`${registry.host}/${REPOSITORY}:${t}`)));
    const report = await run('v1', 'not-the-password');
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('SIGNING');
    const after = await Promise.all(['v1', 'v1-amd64', 'v1-arm64v8'].map((t) => currentDigest(`${registry.host}/${REPOSITORY}:${t}`)));
    expect(after).toEqual(before);
    expect(after[0]).toBe(published);
  });
});
