import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineReport } from '../../../src/pipeline/report.js';
import { staticCredentials } from '../../../src/registry/auth/credentials.js';
import { runCli } from '../../support/run-cli.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyContext } from './fixtures.js';

/**
 * `multiarch pipeline` through main(), against a registry that requires basic auth: the
 * credentials come only from a `DOCKER_CONFIG` directory (`auths` entry), which both the
 * pipeline's own registry client and the engine's `docker push` read. Its own repository
 * name, so its local tags never collide with the other pipeline suites running alongside.
 */
const REPOSITORY = 'pipeline-cli-test';
const USER = { username: 'ci', password: `pw-${Date.now()}` };
let registry: TestRegistry;
let context: string;
let withLogin: string;
let withoutLogin: string;
let logDir: string;

const credentials = () => staticCredentials({ [registry.host]: USER });
const pipeline = (dockerConfig: string, ...extra: string[]) =>
  runCli(
    [
      'pipeline', '--registry', registry.host, '--repository', REPOSITORY, '--context', context, '--log-dir', logDir, '--progress', 'none',
      '--build-arg', `NONCE=${Date.now()}`, '--smoke-command', 'grep -q "^$(dpkg --print-architecture) " /arch', ...extra,
    ],
    // nothing from the developer's shell steers the run
    { DOCKER_CONFIG: dockerConfig, MULTIARCH_CONFIG: undefined, IMAGE_TAG: undefined, IMAGE_ARCH: undefined, IMAGE_REPO_NAME: undefined, MULTIARCH_BUILDERS: undefined },
  );

beforeAll(async () => {
  registry = await startTestRegistry({ basicAuth: USER });
  context = await tinyContext();
  logDir = await mkdtemp(join(tmpdir(), 'multiarch-cli-pipeline-logs-'));
  withLogin = await mkdtemp(join(tmpdir(), 'multiarch-docker-config-'));
  withoutLogin = await mkdtemp(join(tmpdir(), 'multiarch-docker-config-'));
  const auth = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
  await writeFile(join(withLogin, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  await writeFile(join(withoutLogin, 'config.json'), '{}');
});

afterAll(async () => {
  await registry?.stop();
  if (registry) await removeImages([REPOSITORY, `${registry.host}/${REPOSITORY}`]);
  for (const dir of [context, logDir, withLogin, withoutLogin]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('multiarch pipeline (CLI) against an authenticated registry', () => {
  it('--json publishes with the Docker config login, and stdout is the report', async () => {
    const { code, stdout, stderr } = await pipeline(withLogin, '--json');
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PipelineReport;
    expect(report.status).toBe('published');
    expect(report.target).toBe(`${registry.host}/${REPOSITORY}:latest`);
    expect(report.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await currentDigest(report.target, { credentials: credentials() })).toBe(report.digest);
    expect(report.arches.map((a) => a.arch)).toEqual(['amd64', 'arm64']);
    for (const arch of report.arches) {
      expect(arch.status).toBe('published');
      expect(arch.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await currentDigest(arch.target, { credentials: credentials() })).toBe(arch.digest);
    }
  });

  it('without credentials it fails as a registry/auth error before building and publishes nothing', async () => {
    const { code, stdout, stderr } = await pipeline(withoutLogin, '--json', '--tag', 'anon');
    expect(code).toBe(5);
    expect(stderr).toMatch(/^multiarch: error: /m);
    const report = JSON.parse(stdout) as PipelineReport;
    expect(report.status).toBe('failed');
    expect(['AUTH', 'REGISTRY']).toContain(report.error?.code);
    expect(report.arches.every((a) => a.status === 'pending' && a.digest === undefined)).toBe(true);
    expect(await currentDigest(report.target, { credentials: credentials() })).toBeUndefined();
    for (const suffix of ['amd64', 'arm64v8']) expect(await currentDigest(`${registry.host}/${REPOSITORY}:anon-${suffix}`, { credentials: credentials() })).toBeUndefined();
  });

  it('--dry-run prints the plan and sends the registry nothing', async () => {
    // access log lines of the earlier tests' last requests may still be in the pipe
    await new Promise((r) => setTimeout(r, 300));
    const requests = registry.accessLog().length;
    const { code, stdout } = await pipeline(withLogin, '--dry-run', '--tag', 'dry');
    expect(code).toBe(0);
    expect(stdout).toContain(`publish ${registry.host}/${REPOSITORY}:dry`);
    expect(stdout).toContain(`amd64: build on local`);
    expect(stdout).toMatch(new RegExp(`push ${registry.host}/${REPOSITORY}:run-[0-9TZ]+-[0-9a-f]{6}-arm64v8`));
    expect(stdout).toContain(`move dry-amd64, dry-arm64v8, then dry`);
    expect(registry.accessLog().length).toBe(requests);
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:dry`, { credentials: credentials() })).toBeUndefined();
  });
});
