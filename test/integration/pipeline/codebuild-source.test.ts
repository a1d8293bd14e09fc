import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand, type Build } from '@aws-sdk/client-codebuild';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKey, type SigningKeyPair } from '../../../src/attest/signing-key.js';
import { verifyRelease } from '../../../src/attest/verify-release.js';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, TINY_BUILDSPEC, TINY_DOCKERFILE, tinyConfig, tinyContext } from './fixtures.js';

/**
 * Which commit an image was built from, when CodeBuild fetches its own source: the
 * provenance names the commit the CodeBuild build resolved (not whatever the machine that
 * started the run has checked out), and a release whose arches were built from different
 * commits is refused before any tag moves.
 */
const REPOSITORY = 'pipeline-source';
let registry: TestRegistry;
let codebuild: LocalCodeBuild;
let codebuildSource: string;
let codebuildCommit: string;
let work: string;
let key: SigningKeyPair;

const git = (dir: string, ...args: string[]) => execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args]);

async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, 'init', '-q');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-qm', message);
  return (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
}

/** What Jenkins does: start an arch build itself, under a run tag of its own, and wait. */
async function startLikeJenkins(arch: 'amd64' | 'arm64v8', tag: string): Promise<Build> {
  const client = new CodeBuildClient({ endpoint: codebuild.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' } });
  try {
    const started = await client.send(new StartBuildCommand({
      projectName: `${REPOSITORY}-${arch === 'amd64' ? 'amd64' : 'arm64'}`,
      environmentVariablesOverride: Object.entries({ IMAGE_TAG: tag, IMAGE_ARCH: arch, IMAGE_REPO_NAME: REPOSITORY, REGISTRY: registry.host }).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
    }));
    const id = started.build?.id as string;
    await codebuild.waitForBuild(id);
    return (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0] as Build;
  } finally {
    client.destroy();
  }
}

const exportedDigest = (build: Build): string | undefined => build.exportedEnvironmentVariables?.find((v) => v.name === 'IMAGE_DIGEST')?.value;

function config(context: string, overrides: Record<string, unknown>) {
  return tinyConfig(registry.host, context, join(work, 'logs'), {
    repository: REPOSITORY,
    accountId: '000000000000',
    codebuild: { endpoint: codebuild.endpoint, logsEndpoint: codebuild.logsEndpoint, pollInterval: '200ms', maxPollInterval: '1s' },
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    ...overrides,
  });
}

beforeAll(async () => {
  registry = await startTestRegistry();
  work = await mkdtemp(join(tmpdir(), 'multiarch-cb-commit-'));
  codebuildSource = await mkdtemp(join(tmpdir(), 'multiarch-cb-commit-src-'));
  await writeFile(join(codebuildSource, 'Dockerfile'), TINY_DOCKERFILE);
  await writeFile(join(codebuildSource, 'buildspec.yml'), TINY_BUILDSPEC);
  codebuildCommit = await commitAll(codebuildSource, 'what CodeBuild builds');
  codebuild = await startLocalCodeBuild({
    projects: {
      [`${REPOSITORY}-amd64`]: { buildspec: 'buildspec.yml', environmentVariables: { AWS_DEFAULT_REGION: 'us-east-1' } },
      [`${REPOSITORY}-arm64`]: { buildspec: 'buildspec.yml', environmentVariables: { AWS_DEFAULT_REGION: 'us-east-1' } },
    },
    sourceDir: codebuildSource,
  });
  key = await ensureSigningKey(join(work, 'keys'));
});
afterAll(async () => {
  await codebuild?.stop();
  await registry?.stop();
  if (registry) await removeImages(['cb-pipeline-source', REPOSITORY, `${registry.host}/${REPOSITORY}`]);
  for (const dir of [work, codebuildSource]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the commit a CodeBuild-built release names', () => {
  it('signs CodeBuild builds from a machine with no checkout: the provenance names the commit CodeBuild resolved', async () => {
    const context = await tinyContext(); // no git here: the builds fetch their own source
    try {
      const report = await executePipeline(config(context, { tag: 'signed', builders: { amd64: 'codebuild', arm64: 'codebuild' } }), {
        projectDir: process.cwd(),
        productContextDir: context,
        stateDir: join(work, 'state'),
        signing: { key: { kind: 'file', privateKeyPath: key.privateKeyPath, password: key.password }, tlogUpload: false },
      });
      expect(report.error).toBeUndefined();
      expect(report.status).toBe('published');
      expect(report.arches.map((a) => a.commit)).toEqual([codebuildCommit, codebuildCommit]);
      const verified = await verifyRelease({ reference: `${registry.host}/${REPOSITORY}:signed`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
      expect(verified.ok).toBe(true);
      expect(verified.images.map((i) => i.provenanceCommit)).toEqual([codebuildCommit, codebuildCommit]);
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });

  it('refuses an index of arches built from different commits (local checkout ahead of what CodeBuild built); no tag moves', async () => {
    const context = await tinyContext();
    await writeFile(join(context, 'local-change'), 'not pushed anywhere\n');
    const localCommit = await commitAll(context, 'a local commit CodeBuild never saw');
    try {
      const report = await executePipeline(config(context, { tag: 'mixed', builders: { amd64: 'local', arm64: 'codebuild' } }), {
        projectDir: process.cwd(),
        productContextDir: context,
        stateDir: join(work, 'state'),
      });
      expect(report.status).toBe('failed');
      expect(report.error?.code).toBe('BUILD_FAILED');
      expect(report.error?.message).toContain(`amd64 ${localCommit} (the local checkout)`);
      expect(report.error?.message).toMatch(new RegExp(`arm64 ${codebuildCommit} \\(CodeBuild ${REPOSITORY}-arm64:`));
      expect(report.error?.message).toMatch(/--source-version/);
      for (const tag of ['mixed', 'mixed-amd64', 'mixed-arm64v8']) expect(await currentDigest(`${registry.host}/${REPOSITORY}:${tag}`)).toBeUndefined();
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });

  it('adopts arch builds someone else started (Jenkins): no StartBuild, their digests published signed, their run tags tracked', async () => {
    // amd64 pushed under a tag that is not run-scoped: adopted, never dropped
    const [amd64, arm64] = await Promise.all([startLikeJenkins('amd64', 'stable-amd64'), startLikeJenkins('arm64v8', 'run-jenkins-7-arm64v8')]);
    expect([amd64.buildStatus, arm64.buildStatus]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const context = await tinyContext();
    try {
      const startsBefore = codebuild.calls().filter((c) => c.operation === 'StartBuild').length;
      const report = await executePipeline(config(context, { tag: 'adopted', builders: { amd64: `codebuild-build:${amd64.id ?? ''}`, arm64: `codebuild-build:${arm64.id ?? ''}` } }), {
        projectDir: process.cwd(),
        productContextDir: context,
        stateDir: join(work, 'state'),
        signing: { key: { kind: 'file', privateKeyPath: key.privateKeyPath, password: key.password }, tlogUpload: false },
      });
      expect(report.error).toBeUndefined();
      expect(report.status).toBe('published');
      expect(codebuild.calls().filter((c) => c.operation === 'StartBuild').length).toBe(startsBefore);
      expect(report.arches.map((a) => a.digest)).toEqual([exportedDigest(amd64), exportedDigest(arm64)]);
      expect(report.arches.map((a) => a.runTarget)).toEqual([undefined, `${registry.host}/${REPOSITORY}:run-jenkins-7-arm64v8`]);
      // Distribution cannot delete a tag alone: the adopted run tag is reported, not forgotten;
      // stable-amd64 is nobody's run tag and is left alone
      expect(report.runTagsLeft).toEqual([`${registry.host}/${REPOSITORY}:run-jenkins-7-arm64v8`]);
      expect(await currentDigest(`${registry.host}/${REPOSITORY}:stable-amd64`)).toBe(exportedDigest(amd64));
      const verified = await verifyRelease({ reference: `${registry.host}/${REPOSITORY}:adopted`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
      expect(verified.ok).toBe(true);
      expect(verified.images.map((i) => i.provenanceCommit)).toEqual([codebuildCommit, codebuildCommit]);
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });

  it('refuses an adopted build that is not the arch it is adopted for, before any tag moves', async () => {
    const amd64 = await startLikeJenkins('amd64', 'run-jenkins-8-amd64');
    const context = await tinyContext();
    try {
      // the amd64 build handed in as arm64 (a Jenkinsfile mix-up, or a hostile parameter)
      const report = await executePipeline(config(context, { tag: 'swapped', builders: { amd64: `codebuild-build:${amd64.id ?? ''}`, arm64: `codebuild-build:${amd64.id ?? ''}` } }), {
        projectDir: process.cwd(),
        productContextDir: context,
        stateDir: join(work, 'state'),
      });
      expect(report.status).toBe('failed');
      expect(report.error?.code).toBe('VERIFY_FAILED');
      expect(report.error?.message).toMatch(/is a linux\/amd64 image, not linux\/arm64/);
      for (const tag of ['swapped', 'swapped-amd64', 'swapped-arm64v8']) expect(await currentDigest(`${registry.host}/${REPOSITORY}:${tag}`)).toBeUndefined();
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });
});
