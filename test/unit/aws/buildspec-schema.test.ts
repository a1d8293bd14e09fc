import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHES, archTagSuffix, perArchTag } from '../../../src/arch.js';
import { DEFAULT_BASE_IMAGE, pinBaseImage } from '../../../src/aws/base-image.js';
import { ecrRegistryHost } from '../../../src/aws/project-names.js';
import { BuildShell } from '../../support/aws-local/buildspec-shell.js';
import { parseBuildspec, readBuildspec, type Buildspec } from '../../support/aws-local/buildspec-schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The original pipeline's variables (spec: per-arch projects). */
const ORIGINAL = ['AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'IMAGE_REPO_NAME', 'IMAGE_TAG', 'IMAGE_ARCH'];
/** Optional overrides whose unset value means AWS behaviour. */
const BUILD_OVERRIDES = ['RUN_ID', 'MANIFEST_TAG', 'REGISTRY', 'ECR_ENDPOINT_URL', 'BASE_IMAGE', 'BASE_DIGEST', 'BUILD_BASE_IMAGE', 'CA_BUNDLE', 'BUILD_NETWORK'];
const MANIFEST_OPTIONAL = [
  'IMAGE_TAG',
  'MANIFEST_TAG',
  'MANIFEST_SOURCES',
  // release mode against the local emulators (CODEBUILD_ENDPOINT_URL's siblings)
  'LOGS_ENDPOINT_URL',
  'KMS_ENDPOINT',
  'IMAGE_DIGEST_AMD64',
  'IMAGE_DIGEST_ARM64',
  'BUILD_ID_AMD64',
  'BUILD_ID_ARM64',
  'BATCH_BUILD_AMD64',
  'BATCH_BUILD_ARM64',
  'RUN_ID',
  'IMAGE_RUN_TAGS',
  'REGISTRY',
  'ECR_ENDPOINT_URL',
  'CODEBUILD_ENDPOINT_URL',
  'SIGNING_KEY_ARN',
  'COSIGN_DEB_URL',
  'COSIGN_DEB_SHA256',
  'COSIGN_URL',
  'COSIGN_SHA256',
];
const DIGEST = { amd64: `sha256:${'a'.repeat(64)}`, arm64: `sha256:${'b'.repeat(64)}` };

function allCommands(spec: Buildspec): string[] {
  return Object.values(spec.phases).flatMap((phase) => [...(phase?.commands ?? []), ...(phase?.finally ?? [])]);
}

/**
 * The variables a buildspec reads from its environment: every `$NAME`/`${NAME…}` minus
 * what it assigns itself (a `X="${X:-default}"` self-default still counts as an input)
 * minus CodeBuild's own CODEBUILD_* and lower-case shell locals.
 */
function inputVariables(spec: Buildspec): string[] {
  const text = allCommands(spec).join('\n');
  const referenced = new Set([...text.matchAll(/\$\{?!?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string));
  // Assignments start a statement (`--build-arg NAME=…` is an argument, not one).
  const assigned = new Set([...text.matchAll(/(?:^|[;(&|]|\bexport|\bthen|\bdo|\belse)\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1] as string));
  const selfDefaulted = new Set([...text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="\$\{\1:-/g)].map((m) => m[1] as string));
  // CODEBUILD_ENDPOINT_URL is ours, not CodeBuild's: it is an input.
  return [...referenced]
    .filter((name) => (!assigned.has(name) || selfDefaulted.has(name)) && (!name.startsWith('CODEBUILD_') || name === 'CODEBUILD_ENDPOINT_URL') && name !== name.toLowerCase())
    .sort();
}

/** Runs a buildspec's commands that need neither Docker nor AWS, in a CodeBuild-like shell; returns `names`. */
async function evaluate(spec: Buildspec, givenEnv: Record<string, string>, names: string[]): Promise<Record<string, string>> {
  const env = { CODEBUILD_BUILD_ID: 'project:00000000-0000-4000-8000-000000000001', ...givenEnv };
  const dir = await mkdtemp(join(tmpdir(), 'buildspec-eval-'));
  try {
    const shell = await BuildShell.create(dir, dir, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env });
    // Commands that run docker or aws need the real services (the e2e runs those).
    const commands = [...(spec.phases.pre_build?.commands ?? [])].filter((c) => !/\b(docker|aws|npx|npm) /.test(c));
    const controller = new AbortController();
    for (const command of commands) {
      const output: string[] = [];
      const status = await shell.run(command, (line) => output.push(line), controller.signal);
      if (status !== 0) throw new Error(`${command} → ${status}: ${output.join('\n')}`);
    }
    return await shell.values(names);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let build: Buildspec;
let manifest: Buildspec;
let batch: Buildspec;
let manifestText: string;
beforeAll(async () => {
  build = await readBuildspec(join(ROOT, 'buildspec.yml'));
  manifest = await readBuildspec(join(ROOT, 'buildspec-manifest.yml'));
  batch = await readBuildspec(join(ROOT, 'buildspec-batch.yml'));
  manifestText = await readFile(join(ROOT, 'buildspec-manifest.yml'), 'utf8');
});
afterAll(() => undefined);

describe('buildspec schema', () => {
  it('rejects what CodeBuild rejects', () => {
    const bad = [
      'version: 0.1\nphases: {}',
      'version: 0.2\nphases:\n  prebuild:\n    commands: [echo]',
      'version: 0.2\nphases:\n  build:\n    commands: echo',
      'version: 0.2\nenv:\n  exported-variables: ["not-a-name"]\nphases: {}',
      'version: 0.2\nenv:\n  secrets-manager: { TOKEN: 1 }\nphases: {}',
      'version: 0.2\nphases:\n  build:\n    on-failure: IGNORE\n    commands: [echo]',
      'version: 0.2\nbatch:\n  build-graph:\n    - identifier: build-amd64\nphases: {}',
      'version: 0.2\nbatch:\n  build-graph:\n    - identifier: a\n    - identifier: a\nphases: {}',
      'version: 0.2\nbatch:\n  build-graph:\n    - identifier: a\n      depend-on: [b]\nphases: {}',
    ];
    for (const text of bad) expect(() => parseBuildspec(text), text).toThrow(/not a valid buildspec/);
    expect(parseBuildspec('version: 0.2\nenv:\n  secrets-manager: { TOKEN: "arn:aws:secretsmanager:us-east-1:1:secret:x:token::" }\nphases:\n  build:\n    commands: [echo]').env?.['secrets-manager']).toBeDefined();
  });
});

describe('buildspec.yml (per-arch projects)', () => {
  it('reads exactly the original variables plus the optional overrides, and exports the digest and the tested image ID', () => {
    expect(inputVariables(build)).toEqual([...ORIGINAL, ...BUILD_OVERRIDES].sort());
    expect(build.env?.['exported-variables']).toEqual(['IMAGE_DIGEST', 'IMAGE_URI', 'IMAGE_ID']);
    expect(build.env?.variables ?? {}).toEqual({});
    expect(build.env?.shell).toBe('bash');
  });

  it('aborts on failure in every phase and smoke-tests before pushing', () => {
    for (const phase of Object.values(build.phases)) expect(phase?.['on-failure']).toBe('ABORT');
    const commands = allCommands(build);
    const at = (pattern: RegExp): number => commands.findIndex((c) => pattern.test(c));
    expect(at(/get-login-password/)).toBeGreaterThanOrEqual(0);
    expect(at(/DOCKER_BUILDKIT=1 docker build/)).toBeGreaterThan(at(/get-login-password/));
    expect(at(/smoke-test\.mjs/)).toBeGreaterThan(at(/docker build/));
    expect(at(/docker push/)).toBeGreaterThan(at(/smoke-test\.mjs/));
    // BUILD aborts (POST_BUILD never runs after a failed BUILD); the guard stays for safety.
    expect(build.phases.post_build?.commands?.[0]).toMatch(/CODEBUILD_BUILD_SUCCEEDING/);
    // The smoke test and the push use the image ID the build wrote, not a tag.
    expect(commands.join('\n')).toMatch(/--iidfile/);
    expect(commands.find((c) => /smoke-test\.mjs/.test(c))).toContain('"$IMAGE_ID"');
    expect(commands).toContain('docker tag "$IMAGE_ID" "$IMAGE_URI"');
    expect(build.phases.build?.commands?.join('\n')).toMatch(/--build-arg ARCH="\$IMAGE_ARCH"/);
  });

  it('derives the AWS registry unless REGISTRY overrides it', async () => {
    const env = { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: 'multi-arch-test', IMAGE_TAG: 'latest-arm64v8', IMAGE_ARCH: 'arm64v8' };
    const aws = await evaluate(build, env, ['REGISTRY', 'IMAGE_URI', 'PLATFORM']);
    expect(aws).toEqual({ REGISTRY: ecrRegistryHost('123456789012', 'us-east-1'), IMAGE_URI: `${ecrRegistryHost('123456789012', 'us-east-1')}/multi-arch-test:latest-arm64v8`, PLATFORM: 'linux/arm64' });
    const local = await evaluate(build, { ...env, IMAGE_ARCH: 'amd64', REGISTRY: '127.0.0.1:5555' }, ['IMAGE_URI', 'PLATFORM']);
    expect(local).toEqual({ IMAGE_URI: '127.0.0.1:5555/multi-arch-test:latest-arm64v8', PLATFORM: 'linux/amd64' });
    await expect(evaluate(build, { ...env, IMAGE_ARCH: 'ppc64le' }, [])).rejects.toThrow(/IMAGE_ARCH=ppc64le/);
    await expect(evaluate(build, { ...env, AWS_ACCOUNT_ID: '' }, [])).rejects.toThrow(/AWS_ACCOUNT_ID is not set/);
  });

  it('without IMAGE_TAG (batch graph, schedule) pushes only a run tag, never a published one', async () => {
    const env = { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: 'multi-arch-test', IMAGE_ARCH: 'arm64v8', MANIFEST_TAG: 'v1' };
    expect(await evaluate(build, env, ['IMAGE_TAG'])).toEqual({ IMAGE_TAG: 'run-00000000-0000-4000-8000-000000000001-arm64v8' });
    expect(await evaluate(build, { ...env, RUN_ID: 'jenkins-7' }, ['IMAGE_TAG'])).toEqual({ IMAGE_TAG: 'run-jenkins-7-arm64v8' });
    await expect(evaluate(build, { ...env, IMAGE_TAG: 'bad tag' }, [])).rejects.toThrow(/IMAGE_TAG=bad tag is not a valid tag/);
  });

  it('builds from the ECR Public mirror by default, and pins BASE_DIGEST when given', async () => {
    const env = { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: 'multi-arch-test', IMAGE_ARCH: 'amd64' };
    expect(await evaluate(build, env, ['BASE_IMAGE'])).toEqual({ BASE_IMAGE: DEFAULT_BASE_IMAGE });
    expect(await evaluate(build, { ...env, BASE_DIGEST: DIGEST.amd64 }, ['BASE_IMAGE'])).toEqual({ BASE_IMAGE: pinBaseImage(DEFAULT_BASE_IMAGE, DIGEST.amd64) });
    expect(await evaluate(build, { ...env, BASE_IMAGE: 'mirror.example/debian:trixie-slim', BASE_DIGEST: DIGEST.arm64 }, ['BASE_IMAGE'])).toEqual({ BASE_IMAGE: `mirror.example/debian:trixie-slim@${DIGEST.arm64}` });
    await expect(evaluate(build, { ...env, BASE_DIGEST: 'latest' }, [])).rejects.toThrow(/BASE_DIGEST=latest is not sha256/);
    expect(build.phases.build?.commands?.join('\n')).toContain('--build-arg BASE_IMAGE="$BASE_IMAGE"');
  });
});

describe('buildspec-manifest.yml', () => {
  const base = { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: 'multi-arch-test' };
  const repo = `${ecrRegistryHost('123456789012', 'us-east-1')}/multi-arch-test`;
  const names = ['SOURCE_AMD64', 'SOURCE_ARM64', 'INDEX_URI', 'RUN_TAG'];

  it('hard-codes no tag and reads only the original variables plus optional ones', () => {
    expect(manifestText).not.toMatch(/latest-amd64|latest-arm64v8/);
    expect(allCommands(manifest).join('\n')).not.toMatch(/:latest\b/);
    expect(inputVariables(manifest)).toEqual([...new Set([...ORIGINAL.filter((n) => n !== 'IMAGE_ARCH'), ...MANIFEST_OPTIONAL])].sort());
  });

  it('runs the CLI with node itself (signals reach it), indexes under the run tag, verifies by digest, moves tags last', () => {
    const commands = allCommands(manifest);
    const text = commands.join('\n');
    expect(text).not.toMatch(/\bnpx\b|npm run|npm exec/);
    const at = (pattern: RegExp): number => commands.findIndex((c) => pattern.test(c));
    expect(at(/node bin\/multiarch\.js index create "\$REPOSITORY:\$RUN_TAG" "\$SOURCE_AMD64" "\$SOURCE_ARM64" --json/)).toBeGreaterThanOrEqual(0);
    expect(at(/node bin\/multiarch\.js verify "\$REPOSITORY@\$INDEX_DIGEST"/)).toBeGreaterThan(at(/index create/));
    // signing is multiarch pipeline's (sign + attest by digest before its tags move); no bare cosign sign
    expect(text).not.toMatch(/cosign sign/);
    expect(at(/multiarch\.js pipeline .*\n.*\n.*--sign-kms "\$SIGNING_KEY_ARN"/)).toBeGreaterThanOrEqual(0);
    expect(at(/put-image/)).toBeGreaterThan(at(/multiarch\.js verify/));
    expect(at(/batch-delete-image/)).toBeGreaterThan(at(/put-image/));
    // Tags move only in POST_BUILD, which an aborted BUILD never reaches.
    expect((manifest.phases.post_build?.commands ?? []).join('\n')).toContain('put-image');
    expect((manifest.phases.build?.commands ?? []).join('\n')).not.toContain('put-image');
    for (const phase of Object.values(manifest.phases)) expect(phase?.['on-failure']).toBe('ABORT');
    expect(manifest.phases.install?.['runtime-versions']).toEqual({ nodejs: 22 });
    expect(manifest.phases.install?.commands?.[0]).toBe('npm ci --omit=dev --ignore-scripts --no-audit --no-fund');
  });

  it('digest mode (default): pins both sources to the exported digests, indexes under run-<RUN_ID>', async () => {
    const env = { ...base, IMAGE_DIGEST_AMD64: DIGEST.amd64, IMAGE_DIGEST_ARM64: DIGEST.arm64, MANIFEST_TAG: 'v1', RUN_ID: 'jenkins-7' };
    expect(await evaluate(manifest, env, names)).toEqual({ SOURCE_AMD64: `${repo}@${DIGEST.amd64}`, SOURCE_ARM64: `${repo}@${DIGEST.arm64}`, INDEX_URI: `${repo}:v1`, RUN_TAG: 'run-jenkins-7' });
    expect((await evaluate(manifest, { ...env, RUN_ID: '' }, ['RUN_TAG']))['RUN_TAG']).toBe('run-00000000-0000-4000-8000-000000000001');
  });

  it('refuses to start when it must sign but has no cosign: a run that cannot sign moves no tag', async () => {
    const env = { ...base, IMAGE_DIGEST_AMD64: DIGEST.amd64, IMAGE_DIGEST_ARM64: DIGEST.arm64, SIGNING_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/0000', PATH: '/nonexistent' };
    await expect(evaluate(manifest, env, [])).rejects.toThrow(/SIGNING_KEY_ARN is set but cosign is not installed/);
  });

  it('digest mode refuses to fall back to tags: no digest, one digest, or a malformed one', async () => {
    await expect(evaluate(manifest, base, [])).rejects.toThrow(/IMAGE_DIGEST_AMD64 is '', expected the sha256 digest .* refusing to build from tags \(set MANIFEST_SOURCES=tags to opt in\)/);
    await expect(evaluate(manifest, { ...base, IMAGE_DIGEST_AMD64: DIGEST.amd64 }, [])).rejects.toThrow(/IMAGE_DIGEST_ARM64 is ''/);
    await expect(evaluate(manifest, { ...base, IMAGE_DIGEST_AMD64: 'latest-amd64', IMAGE_DIGEST_ARM64: DIGEST.arm64 }, [])).rejects.toThrow(/IMAGE_DIGEST_AMD64 is 'latest-amd64'/);
    await expect(evaluate(manifest, { ...base, MANIFEST_SOURCES: 'guess' }, [])).rejects.toThrow(/MANIFEST_SOURCES=guess is not digests, tags or builds/);
  });

  it('tag mode is an explicit opt-in: per-arch tags from IMAGE_TAG (default MANIFEST_TAG), never mixed with digests', async () => {
    const tags = { ...base, MANIFEST_SOURCES: 'tags' };
    expect(await evaluate(manifest, tags, names)).toMatchObject({ SOURCE_AMD64: `${repo}:${perArchTag('latest', 'amd64')}`, SOURCE_ARM64: `${repo}:${perArchTag('latest', 'arm64')}`, INDEX_URI: `${repo}:latest` });
    expect(await evaluate(manifest, { ...tags, IMAGE_TAG: 'v2', MANIFEST_TAG: 'stable', REGISTRY: '127.0.0.1:5000' }, names)).toMatchObject({
      SOURCE_AMD64: `127.0.0.1:5000/multi-arch-test:${perArchTag('v2', 'amd64')}`,
      SOURCE_ARM64: `127.0.0.1:5000/multi-arch-test:${perArchTag('v2', 'arm64')}`,
      INDEX_URI: '127.0.0.1:5000/multi-arch-test:stable',
    });
    expect((await evaluate(manifest, { ...tags, IMAGE_TAG: perArchTag('rc1', 'amd64') }, ['SOURCE_ARM64']))['SOURCE_ARM64']).toBe(`${repo}:${perArchTag('rc1', 'arm64')}`);
    await expect(evaluate(manifest, { ...tags, IMAGE_DIGEST_AMD64: DIGEST.amd64 }, [])).rejects.toThrow(/MANIFEST_SOURCES=tags but IMAGE_DIGEST_\* given/);
  });

  it('release mode (the schedule): runs the whole pipeline pinned to its own commit, signs there, moves no tag in POST_BUILD', async () => {
    const builds = { ...base, MANIFEST_SOURCES: 'builds' };
    await expect(evaluate(manifest, { ...builds, IMAGE_DIGEST_ARM64: DIGEST.arm64 }, [])).rejects.toThrow(/MANIFEST_SOURCES=builds but IMAGE_DIGEST_\* given/);
    expect(await evaluate(manifest, builds, ['INDEX_URI', 'MANIFEST_SOURCES'])).toEqual({ INDEX_URI: `${repo}:latest`, MANIFEST_SOURCES: 'builds' });
    const build = (manifest.phases.build?.commands ?? []).join('\n');
    expect(build).toMatch(/node bin\/multiarch\.js pipeline --registry "\$REGISTRY" --repository "\$IMAGE_REPO_NAME" --tag "\$MANIFEST_TAG"/);
    expect(build).toContain('builders=(--builder codebuild)');
    expect(build).toContain('builders+=(--source-version "$CODEBUILD_RESOLVED_SOURCE_VERSION")');
    expect(build).toContain('"${builders[@]}"');
    expect(build).toContain('${SIGNING_KEY_ARN:+--sign-kms "$SIGNING_KEY_ARN"}');
    expect((await evaluate(manifest, builds, ['PUBLISH_WITH']))['PUBLISH_WITH']).toBe('pipeline');
    // the index steps (index create, verify, the ECR retag, run-tag removal) run only for PUBLISH_WITH=index
    for (const command of [...(manifest.phases.build?.commands ?? []), ...(manifest.phases.post_build?.commands ?? [])]) {
      if (/index create|multiarch\.js verify|put-image|batch-delete-image/.test(command)) expect(command).toMatch(/if \[ "\$PUBLISH_WITH" = index \]|\[ "\$PUBLISH_WITH" != index \] \|\|/);
    }
  });

  it('with the arch build ids (the Jenkinsfile), adopts those builds through multiarch pipeline; signing without them is refused', async () => {
    const ids = { BUILD_ID_AMD64: 'multi-arch-test-amd64:0f6e1c7a-3d2b-4c1e-9a8b-7c6d5e4f3a2b', BUILD_ID_ARM64: 'multi-arch-test-arm64:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d' };
    const digests = { ...base, IMAGE_DIGEST_AMD64: DIGEST.amd64, IMAGE_DIGEST_ARM64: DIGEST.arm64 };
    expect((await evaluate(manifest, { ...digests, ...ids }, ['PUBLISH_WITH']))['PUBLISH_WITH']).toBe('pipeline');
    expect((await evaluate(manifest, digests, ['PUBLISH_WITH']))['PUBLISH_WITH']).toBe('index');
    await expect(evaluate(manifest, { ...digests, ...ids, BUILD_ID_ARM64: 'latest' }, [])).rejects.toThrow(/BUILD_ID_ARM64 is 'latest', expected a CodeBuild build id/);
    await expect(evaluate(manifest, { ...digests, BUILD_ID_AMD64: ids.BUILD_ID_AMD64 }, [])).rejects.toThrow(/BUILD_ID_ARM64 is ''/);
    // cosign is on this machine's PATH: the refusal is about the missing attestations
    await expect(evaluate(manifest, { ...digests, SIGNING_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/0000' }, [])).rejects.toThrow(/SIGNING_KEY_ARN is set but the arch builds are unknown: pass BUILD_ID_AMD64 and BUILD_ID_ARM64/);
    const build = (manifest.phases.build?.commands ?? []).join('\n');
    expect(build).toContain('builders=(--builder "amd64=codebuild-build:$BUILD_ID_AMD64" --builder "arm64=codebuild-build:$BUILD_ID_ARM64")');
  });
});

describe('buildspec-batch.yml', () => {
  it('is a build graph: one native build per arch, then the manifest after both', async () => {
    const graph = batch.batch?.['build-graph'] ?? [];
    for (const entry of graph) {
      expect(entry.buildspec, entry.identifier).toBeDefined();
      await access(join(ROOT, entry.buildspec as string));
      await readBuildspec(join(ROOT, entry.buildspec as string));
      expect(entry.env?.['privileged-mode'], entry.identifier).toBe(true);
      expect(entry.env?.image, entry.identifier).toBeTruthy();
      expect(entry.env?.['compute-type'], entry.identifier).toBeTruthy();
    }
    const builds = graph.filter((entry) => entry.buildspec === 'buildspec.yml');
    expect(builds).toHaveLength(ARCHES.length);
    for (const arch of ARCHES) {
      const entry = builds.find((e) => e.env?.variables?.['IMAGE_ARCH'] === archTagSuffix(arch));
      expect(entry, arch).toBeDefined();
      // No tag: the arch builds push run tags; every published tag derives from MANIFEST_TAG.
      expect(entry?.env?.variables).toEqual({ IMAGE_ARCH: archTagSuffix(arch) });
      expect(entry?.env?.type).toBe(arch === 'arm64' ? 'ARM_CONTAINER' : 'LINUX_CONTAINER');
    }
    const manifestEntry = graph.find((entry) => entry.buildspec === 'buildspec-manifest.yml');
    expect(manifestEntry?.['depend-on']?.slice().sort()).toEqual(builds.map((b) => b.identifier).sort());
    expect(batch.batch?.['fast-fail']).toBe(true);
  });
});
