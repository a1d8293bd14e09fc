import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { Agent } from 'node:https';
import { BatchGetBuildBatchesCommand, BatchGetBuildsCommand, CodeBuildClient, StartBuildBatchCommand, StartBuildCommand, type Build, type BuildBatch } from '@aws-sdk/client-codebuild';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perArchTag, type Arch } from '../../../src/arch.js';
import { batchProjectName, buildProjectName, manifestProjectName } from '../../../src/aws/project-names.js';
import { batchVariables } from '../../../infra/lib/build-variables.js';
import { startLocalCodeBuild, type LocalCodeBuild, type LocalProject } from '../../support/aws-local/codebuild-server.js';
import { prepareSource } from '../../support/aws-local/codebuild-source.js';
import { hostTrustEnv } from '../../support/aws-local/host-trust.js';
import { startLocalEcr } from '../../support/aws-local/ecr-server.js';
import { startLocalKms } from '../../support/aws-local/kms-server.js';
import { runCli } from '../../support/run-cli.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';

/**
 * buildspec.yml and buildspec-manifest.yml end to end: started with the real SDK's
 * StartBuild against the local CodeBuild, which runs them with bash on this host — real
 * dockerd, Debian's aws CLI logging in through the local ECR fake, an htpasswd-protected
 * registry standing in for ECR. Docker Hub is out of reach, so the bases are the local
 * per-platform images (BASE_IMAGE overrides) and npm needs the host's CA (CA_BUNDLE).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REPO = 'multi-arch-test';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PASSWORD = 'local-ecr-password';
const BASES: Record<Arch, string> = { amd64: 'multiarch-base:trixie-amd64', arm64: 'multiarch-base:trixie-arm64' };
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const haveImage = (ref: string): boolean => {
  try {
    execFileSync('/usr/bin/docker', ['image', 'inspect', ref], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
/** A missing base fails the arm64 tests with this, instead of skipping them. */
const ARM64_MISSING = `${BASES.arm64} is not on this engine: build it with scripts/setup-host.sh (the integration global setup does)`;

let registry: TestRegistry;
let ecr: Awaited<ReturnType<typeof startLocalEcr>>;
let codebuild: LocalCodeBuild;
let client: CodeBuildClient;
const scratch: string[] = [];
const builds: Partial<Record<Arch, Build>> = {};

/** Set once the batch test has pushed the two local bases as one multi-arch base. */
let multiArchBase = '';

function projects(overrides: { registry: string; ecrEndpoint: string }): Record<string, LocalProject> {
  const common = { AWS_DEFAULT_REGION: REGION, AWS_ACCOUNT_ID: ACCOUNT, IMAGE_REPO_NAME: REPO, REGISTRY: overrides.registry, ECR_ENDPOINT_URL: overrides.ecrEndpoint };
  const perArch = (arch: Arch, imageArch: string): LocalProject => ({
    buildspec: 'buildspec.yml',
    // Exactly the original variables, plus the overrides this machine needs.
    // Same build arguments as the integration global setup, so BuildKit reuses its layers.
    environmentVariables: { ...common, IMAGE_TAG: perArchTag('latest', arch), IMAGE_ARCH: imageArch, BASE_IMAGE: BASES[arch], BUILD_BASE_IMAGE: BASES.amd64, CA_BUNDLE },
    timeoutMinutes: 40,
  });
  return {
    [buildProjectName(REPO, 'amd64')]: perArch('amd64', 'amd64'),
    [buildProjectName(REPO, 'arm64')]: perArch('arm64', 'arm64v8'),
    [manifestProjectName(REPO)]: { buildspec: 'buildspec-manifest.yml', environmentVariables: { ...common, MANIFEST_TAG: 'latest' }, timeoutMinutes: 10 },
    // The batch project as `cdk deploy -c batch=true -c tag=v1` configures it (the CDK's own
    // variable table), plus this machine's overrides. One BASE_IMAGE for both arches, as on
    // AWS: a multi-arch base the test pushes first.
    [batchProjectName(REPO)]: {
      buildspec: 'buildspec-batch.yml',
      environmentVariables: {
        ...batchVariables({ accountId: ACCOUNT, region: REGION, repositoryName: REPO, tag: 'v1', baseImage: multiArchBase || 'set-by-the-batch-test' }),
        REGISTRY: overrides.registry,
        ECR_ENDPOINT_URL: overrides.ecrEndpoint,
        BUILD_BASE_IMAGE: BASES.amd64,
        CA_BUNDLE,
      },
      timeoutMinutes: 60,
    },
  };
}

function buildEnv(): Record<string, string> {
  return {
    // Debian's aws CLI (2.9, --endpoint-url only) and docker first; node for npx.
    PATH: `/usr/bin:/bin:${dirname(process.execPath)}:/usr/local/bin`,
    HOME: process.env['HOME'] ?? '/root',
    LANG: 'C.UTF-8',
    ...hostTrustEnv(),
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

async function startAndWait(server: LocalCodeBuild, projectName: string, overrides: Record<string, string> = {}): Promise<Build> {
  const c = server === codebuild ? client : new CodeBuildClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'x' } });
  const started = await c.send(
    new StartBuildCommand({ projectName, environmentVariablesOverride: Object.entries(overrides).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) }),
  );
  const id = started.build?.id as string;
  for (;;) {
    const build = (await c.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0];
    if (build?.buildComplete) {
      if (c !== client) c.destroy();
      if (build.buildStatus !== 'SUCCEEDED') process.stderr.write(`--- ${id} ${build.buildStatus}, last log lines:\n${server.buildLog(id).slice(-40).join('\n')}\n`);
      return build;
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

function exported(build: Build): Record<string, string> {
  return Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((v) => [v.name ?? '', v.value ?? '']));
}

async function registryGet(path: string, accept = MANIFEST_ACCEPT): Promise<Response> {
  return fetch(`${registry.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${PASSWORD}`).toString('base64')}`, accept } });
}

beforeAll(async () => {
  registry = await startTestRegistry({ basicAuth: { username: 'AWS', password: PASSWORD } });
  ecr = await startLocalEcr({ username: 'AWS', password: PASSWORD, registryUrl: registry.url });
  // No node_modules link: the manifest buildspec runs its own npm ci, which must never reach
  // the developer's node_modules through a symlink.
  codebuild = await startLocalCodeBuild({ sourceDir: ROOT, linkNodeModules: false, projects: projects({ registry: registry.host, ecrEndpoint: ecr.endpoint }), env: buildEnv() });
  client = new CodeBuildClient({ endpoint: codebuild.endpoint, region: REGION, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'x' } });
});

afterAll(async () => {
  client?.destroy();
  await codebuild?.stop();
  await ecr?.stop();
  await registry?.stop();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function expectPushed(arch: Arch, build: Build): Promise<void> {
  expect(build.buildStatus).toBe('SUCCEEDED');
  const vars = exported(build);
  const tag = perArchTag('latest', arch);
  expect(vars['IMAGE_URI']).toBe(`${registry.host}/${REPO}:${tag}`);
  const response = await registryGet(`/v2/${REPO}/manifests/${tag}`);
  expect(response.status).toBe(200);
  // Per-arch tags stay plain image manifests (Lambda and others reject an index there).
  const manifest = (await response.json()) as { mediaType?: string; config: { digest: string } };
  expect(manifest.mediaType ?? response.headers.get('content-type')).toMatch(/manifest\.v\d\+json|image\.manifest\.v1\+json/);
  expect(vars['IMAGE_DIGEST']).toBe(response.headers.get('docker-content-digest'));
  const config = (await (await registryGet(`/v2/${REPO}/blobs/${manifest.config.digest}`, '*/*')).json()) as { architecture: string; config: { Labels: Record<string, string> } };
  expect(config.architecture).toBe(arch);
  expect(config.config.Labels['org.opencontainers.image.revision']).toBe(build.resolvedSourceVersion);
}

describe('buildspec.yml through the local CodeBuild', () => {
  it('amd64: logs in through ECR, builds, smoke-tests, pushes and exports the digest', async () => {
    const ecrCallsBefore = ecr.requests();
    const build = await startAndWait(codebuild, buildProjectName(REPO, 'amd64'));
    builds.amd64 = build;
    await expectPushed('amd64', build);
    expect(ecr.requests()).toBeGreaterThan(ecrCallsBefore);
    const log = codebuild.buildLog(build.id as string).join('\n');
    expect(log).toContain('Login Succeeded');
    expect(log).toMatch(/Running command docker run --rm --network none --platform "\$PLATFORM"/);
    // The "what changed" report, read from the images: real versions, old -> new.
    expect(log).toMatch(/what changed \(linux\/amd64, /);
    expect(log).toMatch(/ {2}chromium {8}\S+ -> \d+\.\d+\.\d+\.\d+/);
    expect(log).toMatch(/ {2}node {12}\S+ -> v\d+\.\d+\.\d+/);
    expect(log).toMatch(/ {2}debian packages \S+ -> [1-9]\d*/);
    expect(log).toMatch(/ {2}npm packages {4}\S+ -> [1-9]\d*/);
  }, 1_800_000);

  it('arm64 (emulated here): same buildspec, IMAGE_ARCH=arm64v8', async () => {
    expect(haveImage(BASES.arm64), ARM64_MISSING).toBe(true);
    const build = await startAndWait(codebuild, buildProjectName(REPO, 'arm64'));
    builds.arm64 = build;
    await expectPushed('arm64', build);
  }, 2_400_000);

  it('a broken image fails its smoke test: the build fails and nothing is pushed', async () => {
    // Same source, with a Dockerfile that removes the browser at the end (cached layers
    // up to there, so this builds in seconds once the good image was built).
    const dir = await mkdtemp(join(tmpdir(), 'buildspec-broken-'));
    scratch.push(dir);
    const source = await prepareSource(ROOT, join(dir, 'src'), { linkNodeModules: false });
    await appendFile(join(source.dir, 'image', 'Dockerfile'), '\nUSER root\nRUN rm -f /usr/lib/chromium/chromium\nUSER node\n');
    const broken = await startLocalCodeBuild({ sourceDir: source.dir, linkNodeModules: false, projects: projects({ registry: registry.host, ecrEndpoint: ecr.endpoint }), env: buildEnv() });
    try {
      const pushesBefore = registry.accessLog().filter((line) => /"PUT \/v2\//.test(line)).length;
      const build = await startAndWait(broken, buildProjectName(REPO, 'amd64'), { IMAGE_TAG: 'broken-amd64' });
      expect(build.buildStatus).toBe('FAILED');
      expect(build.phases?.find((p) => p.phaseType === 'BUILD')).toMatchObject({ phaseStatus: 'FAILED', contexts: [expect.objectContaining({ message: expect.stringContaining('smoke-test.mjs') })] });
      // BUILD aborts explicitly: POST_BUILD, the only phase that pushes, never runs.
      expect(build.phases?.map((p) => p.phaseType)).not.toContain('POST_BUILD');
      expect(exported(build)['IMAGE_DIGEST'] ?? '').toBe('');
      expect((await registryGet(`/v2/${REPO}/manifests/broken-amd64`)).status).toBe(404);
      expect(registry.accessLog().filter((line) => /"PUT \/v2\//.test(line)).length).toBe(pushesBefore);
    } finally {
      await broken.stop();
    }
  }, 1_800_000);
});

describe('buildspec-manifest.yml through the local CodeBuild', () => {
  it('joins the pushed per-arch images into a verified index, pinned by the exported digests', async () => {
    expect(haveImage(BASES.arm64), ARM64_MISSING).toBe(true);
    const amd64 = builds.amd64;
    const arm64 = builds.arm64;
    expect(amd64?.buildStatus, 'amd64 build').toBe('SUCCEEDED');
    expect(arm64?.buildStatus, 'arm64 build').toBe('SUCCEEDED');
    const digests = { amd64: exported(amd64 as Build)['IMAGE_DIGEST'] as string, arm64: exported(arm64 as Build)['IMAGE_DIGEST'] as string };
    const build = await startAndWait(codebuild, manifestProjectName(REPO), { IMAGE_DIGEST_AMD64: digests.amd64, IMAGE_DIGEST_ARM64: digests.arm64 });
    expect(build.buildStatus).toBe('SUCCEEDED');
    // Verified by digest before any tag moved; the per-arch tags now name the same digests.
    expect(exported(build)['INDEX_DIGEST']).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const arch of ['amd64', 'arm64'] as const) {
      expect((await registryGet(`/v2/${REPO}/manifests/${perArchTag('latest', arch)}`)).headers.get('docker-content-digest')).toBe(digests[arch]);
    }
    expect(exported(build)['INDEX_URI']).toBe(`${registry.host}/${REPO}:latest`);
    const response = await registryGet(`/v2/${REPO}/manifests/latest`);
    expect(response.status).toBe(200);
    const index = (await response.json()) as { mediaType: string; manifests: { digest: string; platform: { architecture: string; variant?: string } }[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const byArch = Object.fromEntries(index.manifests.map((m) => [m.platform.architecture, m]));
    expect(byArch['amd64']?.digest).toBe(digests.amd64);
    expect(byArch['arm64']).toMatchObject({ digest: digests.arm64, platform: { variant: 'v8' } });
    expect(response.headers.get('docker-content-digest')).toBe(exported(build)['INDEX_DIGEST']);
    expect(codebuild.buildLog(build.id as string).join('\n')).toMatch(/Running command if \[ "\$PUBLISH_WITH" = index \]; then node bin\/multiarch\.js verify "\$REPOSITORY@\$INDEX_DIGEST"; fi\n[^\n@]+@sha256:[0-9a-f]{64} \(index\)\n[^[]*all checks passed/);
  }, 600_000);
});

describe('buildspec-manifest.yml tag mode (explicit opt-in)', () => {
  it('joins whatever the per-arch tags point at, and says it is not pinned', async () => {
    expect(haveImage(BASES.arm64), ARM64_MISSING).toBe(true);
    expect(builds.amd64?.buildStatus, 'the amd64 test pushed latest-amd64 first').toBe('SUCCEEDED');
    expect(builds.arm64?.buildStatus, 'the arm64 test pushed latest-arm64v8 first').toBe('SUCCEEDED');
    const build = await startAndWait(codebuild, manifestProjectName(REPO), { MANIFEST_SOURCES: 'tags', MANIFEST_TAG: 'from-tags', IMAGE_TAG: 'latest' });
    expect(build.buildStatus).toBe('SUCCEEDED');
    const log = codebuild.buildLog(build.id as string).join('\n');
    expect(log).toContain('tag mode (MANIFEST_SOURCES=tags): sources are tags, not pinned to any run');
    const index = (await (await registryGet(`/v2/${REPO}/manifests/from-tags`)).json()) as { manifests: { digest: string; platform: { architecture: string } }[] };
    const tagged = async (arch: Arch): Promise<string | null> => (await registryGet(`/v2/${REPO}/manifests/${perArchTag('latest', arch)}`)).headers.get('docker-content-digest');
    expect(Object.fromEntries(index.manifests.map((m) => [m.platform.architecture, m.digest]))).toEqual({ amd64: await tagged('amd64'), arm64: await tagged('arm64') });
    // Its per-arch tags moved with it.
    expect((await registryGet(`/v2/${REPO}/manifests/${perArchTag('from-tags', 'amd64')}`)).headers.get('docker-content-digest')).toBe(await tagged('amd64'));
  }, 600_000);
});

describe('buildspec-manifest.yml signing with the stack\'s KMS key (local KMS, cosign awskms://)', () => {
  let kms: Awaited<ReturnType<typeof startLocalKms>>;
  let keyArn: string;
  let verifierEnv: Record<string, string>;

  beforeAll(async () => {
    const found = await execa('cosign', ['version'], { reject: false });
    if (found.exitCode !== 0) throw new Error('cosign is not installed: run scripts/setup-host.sh (installs cosign 2.5 from Debian trixie)');
    // the builds' own credentials are the only signer the key accepts
    kms = await startLocalKms({ signers: ['AKIDLOCALTEST'], region: REGION, accountId: ACCOUNT });
    const sdk = new KMSClient({ region: REGION, endpoint: kms.endpoint, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'x' }, requestHandler: { httpsAgent: new Agent({ ca: kms.ca }) } });
    keyArn = (await sdk.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata?.Arn as string;
    sdk.destroy();
    const docker = await mkdtemp(join(tmpdir(), 'release-docker-config-'));
    scratch.push(docker);
    await execa('/usr/bin/docker', ['login', '--username', 'AWS', '--password-stdin', registry.host], { env: { DOCKER_CONFIG: docker }, input: PASSWORD });
    verifierEnv = { DOCKER_CONFIG: docker, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIDVERIFIER', AWS_SECRET_ACCESS_KEY: 'x', AWS_CA_BUNDLE: kms.caFile, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  });
  afterAll(async () => {
    await kms?.stop();
  });

  /** This machine's stand-ins for the AWS endpoints (cosign's Go SDK trusts the KMS CA). */
  const signing = (): Record<string, string> => ({
    SIGNING_KEY_ARN: keyArn,
    KMS_ENDPOINT: kms.host,
    AWS_CA_BUNDLE: kms.caFile,
    CODEBUILD_ENDPOINT_URL: codebuild.endpoint,
    LOGS_ENDPOINT_URL: codebuild.logsEndpoint,
  });

  /** Our verifier (signatures, SBOM and provenance, and the commit) and cosign accept the tag. */
  async function expectSignedRelease(tag: string, digest: string, commit: string): Promise<void> {
    expect((await registryGet(`/v2/${REPO}/manifests/${tag}`)).headers.get('docker-content-digest')).toBe(digest);
    const verified = await runCli(['verify', `${registry.host}/${REPO}:${tag}`, '--kms', keyArn, '--kms-endpoint', kms.host, '--commit', commit, '--json'], verifierEnv);
    expect(verified.code, verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as { digest: string; signatures: { images: { provenanceCommit?: string }[] } };
    expect(report.digest).toBe(digest);
    expect(report.signatures.images.map((i) => i.provenanceCommit)).toEqual([commit, commit]);
    const cosign = await execa('cosign', ['verify', '--key', `awskms://${kms.host}/${keyArn}`, '--insecure-ignore-tlog=true', `${registry.host}/${REPO}@${digest}`], { env: verifierEnv, reject: false });
    expect(cosign.exitCode, cosign.stderr).toBe(0);
  }

  it('release mode (MANIFEST_SOURCES=builds, what the schedule starts): starts both arch builds itself, pinned to its commit, and publishes them signed', async () => {
    expect(haveImage(BASES.arm64), ARM64_MISSING).toBe(true);
    const startsBefore = codebuild.calls().filter((c) => c.operation === 'StartBuild').length;
    const build = await startAndWait(codebuild, manifestProjectName(REPO), { MANIFEST_SOURCES: 'builds', MANIFEST_TAG: 'signed', ...signing() });
    const log = codebuild.buildLog(build.id as string).join('\n');
    expect(build.buildStatus, log.split('\n').slice(-30).join('\n')).toBe('SUCCEEDED');
    // It started exactly the two arch projects, each pinned to its own commit.
    const starts = codebuild.calls().filter((c) => c.operation === 'StartBuild').slice(startsBefore + 1);
    expect(starts.map((c) => c.input['projectName']).sort()).toEqual([buildProjectName(REPO, 'amd64'), buildProjectName(REPO, 'arm64')]);
    for (const start of starts) expect(start.input['sourceVersion']).toBe(build.resolvedSourceVersion);
    expect(log).toContain(`signed and attested with ${keyArn} by multiarch pipeline before its tags moved`);
    await expectSignedRelease('signed', exported(build)['INDEX_DIGEST'] as string, build.resolvedSourceVersion as string);
  }, 1_800_000);

  it('digests with build ids (the Jenkinsfile): adopts the arch builds, starts none, publishes them signed; a signing run without ids is refused', async () => {
    const amd64 = builds.amd64;
    const arm64 = builds.arm64;
    expect(amd64?.buildStatus, 'the amd64 test built first').toBe('SUCCEEDED');
    expect(arm64?.buildStatus, 'the arm64 test built first').toBe('SUCCEEDED');
    const digests = { IMAGE_DIGEST_AMD64: exported(amd64 as Build)['IMAGE_DIGEST'] as string, IMAGE_DIGEST_ARM64: exported(arm64 as Build)['IMAGE_DIGEST'] as string };

    const refused = await startAndWait(codebuild, manifestProjectName(REPO), { MANIFEST_TAG: 'jenkins', ...digests, ...signing() });
    expect(refused.buildStatus).toBe('FAILED');
    expect(codebuild.buildLog(refused.id as string).join('\n')).toMatch(/SIGNING_KEY_ARN is set but the arch builds are unknown/);
    expect((await registryGet(`/v2/${REPO}/manifests/jenkins`)).status).toBe(404);

    const startsBefore = codebuild.calls().filter((c) => c.operation === 'StartBuild').length;
    const build = await startAndWait(codebuild, manifestProjectName(REPO), { MANIFEST_TAG: 'jenkins', ...digests, BUILD_ID_AMD64: amd64?.id as string, BUILD_ID_ARM64: arm64?.id as string, ...signing() });
    const log = codebuild.buildLog(build.id as string).join('\n');
    expect(build.buildStatus, log.split('\n').slice(-30).join('\n')).toBe('SUCCEEDED');
    expect(codebuild.calls().filter((c) => c.operation === 'StartBuild').length).toBe(startsBefore + 1); // the manifest build only
    expect(log).toContain(`adopting arch builds ${amd64?.id ?? ''} and ${arm64?.id ?? ''}`);
    for (const arch of ['amd64', 'arm64'] as const) {
      expect((await registryGet(`/v2/${REPO}/manifests/${perArchTag('jenkins', arch)}`)).headers.get('docker-content-digest')).toBe(arch === 'amd64' ? digests.IMAGE_DIGEST_AMD64 : digests.IMAGE_DIGEST_ARM64);
    }
    await expectSignedRelease('jenkins', exported(build)['INDEX_DIGEST'] as string, amd64?.resolvedSourceVersion as string);
  }, 1_800_000);
});

describe('buildspec-batch.yml: a batch run with -c batch=true -c tag=v1', () => {
  /** Both local bases in the registry as one multi-arch base, as public.ecr.aws serves Debian. */
  async function pushMultiArchBase(): Promise<string> {
    const config = await mkdtemp(join(tmpdir(), 'batch-docker-config-'));
    scratch.push(config);
    const env = { DOCKER_CONFIG: config };
    await execa('/usr/bin/docker', ['login', '--username', 'AWS', '--password-stdin', registry.host], { env, input: PASSWORD });
    const refs: string[] = [];
    for (const arch of ['amd64', 'arm64'] as const) {
      const ref = `${registry.host}/debian-base:trixie-${arch}`;
      await execa('/usr/bin/docker', ['tag', BASES[arch], ref]);
      await execa('/usr/bin/docker', ['push', ref], { env });
      refs.push(ref);
    }
    const target = `${registry.host}/debian-base:trixie`;
    await execa(process.execPath, [join(ROOT, 'bin', 'multiarch.js'), 'index', 'create', target, ...refs], { env: { ...env, HOME: process.env['HOME'] ?? '/root' } });
    return target;
  }

  it('builds both arches from one tag input, publishes v1 from the exported digests read from the batch records', async () => {
    expect(haveImage(BASES.arm64), ARM64_MISSING).toBe(true);
    multiArchBase = await pushMultiArchBase();
    // A server whose batch project builds from that base (projects() reads it now).
    const server = await startLocalCodeBuild({ sourceDir: ROOT, linkNodeModules: false, projects: projects({ registry: registry.host, ecrEndpoint: ecr.endpoint }), env: buildEnv() });
    const c = new CodeBuildClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'x' } });
    try {
      const started = await c.send(
        new StartBuildBatchCommand({
          projectName: batchProjectName(REPO),
          // The manifest build's `aws codebuild` calls reach this emulator.
          environmentVariablesOverride: [{ name: 'CODEBUILD_ENDPOINT_URL', value: server.endpoint, type: 'PLAINTEXT' }],
        }),
      );
      const id = started.buildBatch?.id as string;
      let batch: BuildBatch;
      for (;;) {
        batch = (await c.send(new BatchGetBuildBatchesCommand({ ids: [id] }))).buildBatches?.[0] as BuildBatch;
        if (batch.complete) break;
        await new Promise((r) => setTimeout(r, 5_000));
      }
      await server.waitForBatch(id);
      const ids = (batch.buildGroups ?? []).map((g) => (g.currentBuildSummary?.arn ?? '').split(':build/')[1] ?? '');
      const records = (await c.send(new BatchGetBuildsCommand({ ids: ids.filter(Boolean) }))).builds ?? [];
      const byIdentifier = Object.fromEntries(records.map((b) => [(batch.buildGroups ?? []).find((g) => g.currentBuildSummary?.arn === b.arn)?.identifier ?? '?', b]));
      if (batch.buildBatchStatus !== 'SUCCEEDED') {
        for (const b of records) process.stderr.write(`--- ${b.id} ${b.buildStatus}:\n${server.buildLog(b.id as string).slice(-40).join('\n')}\n`);
      }
      expect(batch.buildBatchStatus).toBe('SUCCEEDED');
      const digests = { amd64: exported(byIdentifier['build_amd64']!)['IMAGE_DIGEST'], arm64: exported(byIdentifier['build_arm64']!)['IMAGE_DIGEST'] };
      // The arch builds pushed run tags only, named from their build ids, not latest-*.
      for (const [identifier, arch] of [['build_amd64', 'amd64'], ['build_arm64', 'arm64v8']] as const) {
        expect(exported(byIdentifier[identifier]!)['IMAGE_URI']).toMatch(new RegExp(`/${REPO}:run-[0-9a-f-]{36}-${arch}$`));
      }
      // The published tags, all derived from tag=v1, point at exactly the exported digests.
      for (const arch of ['amd64', 'arm64'] as const) {
        const response = await registryGet(`/v2/${REPO}/manifests/${perArchTag('v1', arch)}`);
        expect(response.headers.get('docker-content-digest')).toBe(digests[arch]);
      }
      const manifest = byIdentifier['manifest']!;
      const indexResponse = await registryGet(`/v2/${REPO}/manifests/v1`);
      expect(indexResponse.headers.get('docker-content-digest')).toBe(exported(manifest)['INDEX_DIGEST']);
      const index = (await indexResponse.json()) as { manifests: { digest: string; platform: { architecture: string } }[] };
      expect(Object.fromEntries(index.manifests.map((m) => [m.platform.architecture, m.digest]))).toEqual(digests);
      // Nothing written under the hard-coded tags the old graph used (the standalone tests
      // above may have pushed latest-*: whatever is there is not this batch's image).
      for (const arch of ['amd64', 'arm64'] as const) {
        expect((await registryGet(`/v2/${REPO}/manifests/${perArchTag('latest', arch)}`)).headers.get('docker-content-digest')).not.toBe(digests[arch]);
      }
      expect((await registryGet(`/v2/${REPO}/manifests/v1-arm64`)).status).toBe(404);
      // The manifest build found its siblings through the batch's records, same commit.
      const log = server.buildLog(manifest.id as string).join('\n');
      expect(log).toMatch(new RegExp(`build_amd64 \\(amd64\\) \\S+ SUCCEEDED ${byIdentifier['build_amd64']!.resolvedSourceVersion} ${digests.amd64}`));
      expect(log).toMatch(/what changed|published/);
    } finally {
      c.destroy();
      await server.stop();
    }
  }, 3_600_000);
});
