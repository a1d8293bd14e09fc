import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHES, archTagSuffix, perArchTag } from '../../../src/arch.js';
import { ecrRegistryHost } from '../../../src/aws/project-names.js';
import { BuildShell } from '../../support/aws-local/buildspec-shell.js';
import { parseBuildspec, readBuildspec, type Buildspec } from '../../support/aws-local/buildspec-schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The original pipeline's variables (spec: per-arch projects). */
const ORIGINAL = ['AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'IMAGE_REPO_NAME', 'IMAGE_TAG', 'IMAGE_ARCH'];
/** Optional overrides whose unset value means AWS behaviour. */
const BUILD_OVERRIDES = ['REGISTRY', 'ECR_ENDPOINT_URL', 'BASE_IMAGE', 'BUILD_BASE_IMAGE', 'CA_BUNDLE', 'BUILD_NETWORK'];
const MANIFEST_OPTIONAL = ['IMAGE_TAG', 'MANIFEST_TAG', 'IMAGE_DIGEST_AMD64', 'IMAGE_DIGEST_ARM64', 'REGISTRY', 'ECR_ENDPOINT_URL'];

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
  return [...referenced].filter((name) => (!assigned.has(name) || selfDefaulted.has(name)) && !name.startsWith('CODEBUILD_') && name !== name.toLowerCase()).sort();
}

/** Runs a buildspec's commands that need neither Docker nor AWS, in a CodeBuild-like shell; returns `names`. */
async function evaluate(spec: Buildspec, env: Record<string, string>, names: string[]): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'buildspec-eval-'));
  try {
    const shell = await BuildShell.create(dir, dir, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env });
    const commands = [...(spec.phases.pre_build?.commands ?? [])].filter((c) => !/\b(docker|aws|npx|npm)\b/.test(c));
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
  it('reads exactly the original variables plus the optional overrides, and exports the digest', () => {
    expect(inputVariables(build)).toEqual([...ORIGINAL, ...BUILD_OVERRIDES].sort());
    expect(build.env?.['exported-variables']).toEqual(['IMAGE_DIGEST', 'IMAGE_URI']);
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
    // post_build runs after a failed build: the push must be guarded.
    expect(build.phases.post_build?.commands?.[0]).toMatch(/CODEBUILD_BUILD_SUCCEEDING/);
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
});

describe('buildspec-manifest.yml', () => {
  it('hard-codes no tag and reads only the original variables plus optional ones', () => {
    expect(manifestText).not.toMatch(/latest-amd64|latest-arm64v8/);
    expect(allCommands(manifest).join('\n')).not.toMatch(/:latest\b/);
    expect(inputVariables(manifest)).toEqual([...new Set([...ORIGINAL.filter((n) => n !== 'IMAGE_ARCH'), ...MANIFEST_OPTIONAL])].sort());
    const commands = allCommands(manifest).join('\n');
    expect(commands).toMatch(/multiarch index create "\$INDEX_URI" "\$SOURCE_AMD64" "\$SOURCE_ARM64"/);
    expect(commands).toMatch(/multiarch verify "\$INDEX_URI"/);
  });

  it('derives per-arch sources from IMAGE_TAG (default MANIFEST_TAG, else latest), the index tag from MANIFEST_TAG, and pins digests when given', async () => {
    const base = { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCOUNT_ID: '123456789012', IMAGE_REPO_NAME: 'multi-arch-test' };
    const repo = `${ecrRegistryHost('123456789012', 'us-east-1')}/multi-arch-test`;
    const names = ['SOURCE_AMD64', 'SOURCE_ARM64', 'INDEX_URI'];
    expect(await evaluate(manifest, base, names)).toEqual({
      SOURCE_AMD64: `${repo}:${perArchTag('latest', 'amd64')}`,
      SOURCE_ARM64: `${repo}:${perArchTag('latest', 'arm64')}`,
      INDEX_URI: `${repo}:latest`,
    });
    expect(await evaluate(manifest, { ...base, IMAGE_TAG: 'v2', MANIFEST_TAG: 'stable', REGISTRY: '127.0.0.1:5000' }, names)).toEqual({
      SOURCE_AMD64: `127.0.0.1:5000/multi-arch-test:${perArchTag('v2', 'amd64')}`,
      SOURCE_ARM64: `127.0.0.1:5000/multi-arch-test:${perArchTag('v2', 'arm64')}`,
      INDEX_URI: '127.0.0.1:5000/multi-arch-test:stable',
    });
    // The manifest project started on its own with only MANIFEST_TAG joins that tag's images.
    expect(await evaluate(manifest, { ...base, MANIFEST_TAG: 'v3' }, names)).toEqual({
      SOURCE_AMD64: `${repo}:${perArchTag('v3', 'amd64')}`,
      SOURCE_ARM64: `${repo}:${perArchTag('v3', 'arm64')}`,
      INDEX_URI: `${repo}:v3`,
    });
    // A per-arch IMAGE_TAG (as the per-arch projects carry) still names both arches.
    expect((await evaluate(manifest, { ...base, IMAGE_TAG: perArchTag('rc1', 'amd64') }, ['SOURCE_ARM64']))['SOURCE_ARM64']).toBe(`${repo}:${perArchTag('rc1', 'arm64')}`);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(await evaluate(manifest, { ...base, IMAGE_DIGEST_AMD64: digest }, ['SOURCE_AMD64', 'SOURCE_ARM64'])).toEqual({
      SOURCE_AMD64: `${repo}@${digest}`,
      SOURCE_ARM64: `${repo}:${perArchTag('latest', 'arm64')}`,
    });
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
      expect(entry?.env?.variables).toEqual({ IMAGE_TAG: perArchTag('latest', arch), IMAGE_ARCH: archTagSuffix(arch) });
      expect(entry?.env?.type).toBe(arch === 'arm64' ? 'ARM_CONTAINER' : 'LINUX_CONTAINER');
    }
    const manifestEntry = graph.find((entry) => entry.buildspec === 'buildspec-manifest.yml');
    expect(manifestEntry?.['depend-on']?.slice().sort()).toEqual(builds.map((b) => b.identifier).sort());
    expect(batch.batch?.['fast-fail']).toBe(true);
  });
});
