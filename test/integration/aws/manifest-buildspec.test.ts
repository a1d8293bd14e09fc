import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand, type Build } from '@aws-sdk/client-codebuild';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestProjectName } from '../../../src/aws/project-names.js';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';
import { hostTrustEnv } from '../../support/aws-local/host-trust.js';

/**
 * buildspec-manifest.yml through the local CodeBuild, up to the point that needs no image:
 * INSTALL runs the real `npm ci --omit=dev` into a source without node_modules (no symlink),
 * and PRE_BUILD refuses to build from tags when the digests it expects are missing. No
 * registry, no Docker: the refusal comes before any login.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REPO = 'multi-arch-test';
const PROJECT = manifestProjectName(REPO);
let codebuild: LocalCodeBuild;
let client: CodeBuildClient;

beforeAll(async () => {
  codebuild = await startLocalCodeBuild({
    sourceDir: ROOT,
    linkNodeModules: false,
    projects: { [PROJECT]: { buildspec: 'buildspec-manifest.yml', environmentVariables: { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: REPO, MANIFEST_TAG: 'v1' }, timeoutMinutes: 10 } },
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8', ...hostTrustEnv() },
  });
  client = new CodeBuildClient({ endpoint: codebuild.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' } });
});

afterAll(async () => {
  client?.destroy();
  await codebuild?.stop();
});

async function run(overrides: Record<string, string>): Promise<{ build: Build; log: string }> {
  const started = await client.send(new StartBuildCommand({ projectName: PROJECT, environmentVariablesOverride: Object.entries(overrides).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) }));
  const id = started.build?.id as string;
  for (;;) {
    const build = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0] as Build;
    if (build.buildComplete) return { build, log: codebuild.buildLog(id).join('\n') };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

describe('buildspec-manifest.yml install and digest-mode refusal', () => {
  it('installs only the runtime dependencies with a real npm ci, then refuses to build without digests', async () => {
    const { build, log } = await run({});
    expect(build.phases?.find((p) => p.phaseType === 'INSTALL')?.phaseStatus, log.slice(-3000)).toBe('SUCCEEDED');
    const installed = /installed: (\d+) packages, (\d+) KiB/.exec(log);
    expect(installed, 'the install phase reports what it installed').not.toBeNull();
    // Far fewer than the full tree (331 with every devDependency): no CDK, vitest or eslint.
    expect(Number(installed![1])).toBeLessThan(120);
    expect(log).not.toMatch(/aws-cdk-lib|vitest/);
    expect(build.buildStatus).toBe('FAILED');
    const pre = build.phases?.find((p) => p.phaseType === 'PRE_BUILD');
    expect(pre?.phaseStatus).toBe('FAILED');
    expect(log).toMatch(/IMAGE_DIGEST_AMD64 is '', expected the sha256 digest .* refusing to build from tags/);
    expect(build.phases?.map((p) => p.phaseType)).not.toContain('BUILD');
  }, 300_000);

  it('refuses a tag-mode request that also carries digests', async () => {
    const { build, log } = await run({ MANIFEST_SOURCES: 'tags', IMAGE_DIGEST_AMD64: `sha256:${'a'.repeat(64)}` });
    expect(build.buildStatus).toBe('FAILED');
    expect(log).toContain('MANIFEST_SOURCES=tags but IMAGE_DIGEST_* given');
  }, 300_000);
});
