import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, TINY_BUILDSPEC, TINY_DOCKERFILE, tinyConfig } from './fixtures.js';


let registry: TestRegistry;
let codebuild: LocalCodeBuild;
let sourceDir: string;
let logDir: string;
let published: string | undefined;

function config(overrides: Record<string, unknown> = {}) {
  return tinyConfig(registry.host, sourceDir, logDir, {
    builders: { amd64: 'codebuild', arm64: 'codebuild' },
    accountId: '000000000000',
    codebuild: { endpoint: codebuild.endpoint, logsEndpoint: codebuild.logsEndpoint, pollInterval: '200ms', maxPollInterval: '1s', queueTimeout: '4s', sourceVersion: 'main' },
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    ...overrides,
  });
}

const run = (overrides: Record<string, unknown> = {}, signal?: AbortSignal, emit?: (e: ProgressEvent) => void) =>
  executePipeline(config(overrides), {
    projectDir: sourceDir,
    productContextDir: sourceDir,
    stateDir: logDir,
    ...(signal ? { signal } : {}),
    ...(emit ? { emit } : {}),
  });

const callsOf = (operation: string) => codebuild.calls().filter((c) => c.operation === operation);

beforeAll(async () => {
  registry = await startTestRegistry();
  sourceDir = await mkdtemp(join(tmpdir(), 'multiarch-cb-source-'));
  logDir = await mkdtemp(join(tmpdir(), 'multiarch-cb-logs-'));
  await writeFile(join(sourceDir, 'Dockerfile'), TINY_DOCKERFILE);
  await writeFile(join(sourceDir, 'buildspec.yml'), TINY_BUILDSPEC);
  codebuild = await startLocalCodeBuild({
    projects: {
      'pipeline-test-amd64': { buildspec: 'buildspec.yml', environmentVariables: { AWS_DEFAULT_REGION: 'us-east-1' } },
      'pipeline-test-arm64': { buildspec: 'buildspec.yml', environmentVariables: { AWS_DEFAULT_REGION: 'us-east-1' } },
    },
    sourceDir,
  });
});
afterEach(async () => {
  // builds stopped or cut short must be finished before the next test reads tags
  const ids = new Set(codebuild.calls().flatMap((c) => (Array.isArray(c.input['ids']) ? (c.input['ids'] as string[]) : [])));
  await Promise.all([...ids].map((id) => codebuild.waitForBuild(id)));
  await rm(join(sourceDir, 'slow'), { force: true });
  await rm(join(sourceDir, 'no-digest'), { force: true });
});
afterAll(async () => {
  await codebuild?.stop();
  await registry?.stop();
  // the buildspec's local tags (cb-pipeline-test:…) and pushed names, on the shared engine
  if (registry) await removeImages(['cb-pipeline-test', `${registry.host}/pipeline-test`]);
  if (sourceDir) await rm(sourceDir, { recursive: true, force: true });
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

describe('multiarch pipeline on CodeBuild (real SDK clients, local CodeBuild)', () => {
  it('publishes through throttling, with the original variables, phases and log lines streamed', async () => {
    codebuild.inject({ kind: 'throttle', count: 6, operations: ['BatchGetBuilds'] });
    const events: ProgressEvent[] = [];
    const report = await run({}, undefined, (e) => events.push(e));
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    expect(await currentDigest(report.target)).toBe(report.digest);
    for (const arch of report.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
    const starts = callsOf('StartBuild');
    const arm = starts.find((c) => c.input['projectName'] === 'pipeline-test-arm64');
    expect(arm?.input['sourceVersion']).toBe('main');
    expect(arm?.input['environmentVariablesOverride']).toEqual(
      expect.arrayContaining([
        // a run-scoped tag: the per-arch tag latest-arm64v8 moves only in the publish step
        { name: 'IMAGE_TAG', value: `run-${report.runId ?? '?'}-arm64v8`, type: 'PLAINTEXT' },
        { name: 'IMAGE_ARCH', value: 'arm64v8', type: 'PLAINTEXT' },
        { name: 'IMAGE_REPO_NAME', value: 'pipeline-test', type: 'PLAINTEXT' },
        { name: 'REGISTRY', value: registry.host, type: 'PLAINTEXT' },
      ]),
    );
    expect(callsOf('BatchGetBuilds').filter((c) => c.errorType === 'ThrottlingException').length).toBe(6);
    expect(events.some((e) => e.type === 'line' && e.subject === 'arm64' && e.line.includes('building'))).toBe(true);
    expect(events.some((e) => e.type === 'status' && e.subject === 'amd64' && e.detail === 'POST_BUILD')).toBe(true);
    expect(callsOf('GetLogEvents').length).toBeGreaterThan(0);
    published = report.digest;
  });

  it('a FAILED build fails the pipeline and leaves the tag untouched', async () => {
    expect(published).toBeDefined();
    codebuild.inject({ kind: 'fail-build', project: 'pipeline-test-arm64' });
    const report = await run();
    expect(report.error?.code).toBe('BUILD_FAILED');
    expect(report.error?.message).toMatch(/FAILED/);
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('a TIMED_OUT build is a timeout and leaves the tag untouched', async () => {
    // the arm64 build sleeps, so the time-out lands mid-build however fast the engine is
    await writeFile(join(sourceDir, 'slow'), 'arm64');
    codebuild.inject({ kind: 'time-out', project: 'pipeline-test-arm64', afterMs: 3_000 });
    const report = await run();
    expect(report.error?.code).toBe('TIMEOUT');
    expect(report.error?.message).toMatch(/timed out/);
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('a build that never starts is stopped after the queue timeout', async () => {
    codebuild.inject({ kind: 'stuck-queued', project: 'pipeline-test-arm64' });
    const before = callsOf('StopBuild').length;
    const report = await run();
    expect(report.error?.code).toBe('TIMEOUT');
    expect(report.error?.message).toMatch(/did not start/);
    const stops = callsOf('StopBuild').slice(before);
    expect(stops.some((c) => String(c.input['id']).startsWith('pipeline-test-arm64:'))).toBe(true);
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('a SUCCEEDED build without an exported digest is not trusted', async () => {
    await writeFile(join(sourceDir, 'no-digest'), '');
    const report = await run();
    expect(report.error?.code).toBe('BUILD_FAILED');
    expect(report.error?.message).toMatch(/IMAGE_DIGEST/);
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('cancellation mid-build calls StopBuild and publishes nothing', async () => {
    await writeFile(join(sourceDir, 'slow'), 'arm64');
    const before = callsOf('StopBuild').length;
    const controller = new AbortController();
    // a tag of its own, so "nothing published" means: no per-arch or multi-arch tag exists
    const report = await run({ tag: 'cancel' }, controller.signal, (e) => {
      if (e.type === 'line' && e.subject === 'arm64' && e.line.includes('building')) setTimeout(() => controller.abort(new Error('SIGTERM')), 1_000);
    });
    expect(report.status).toBe('cancelled');
    expect(report.error?.code).toBe('CANCELLED');
    const stops = callsOf('StopBuild').slice(before);
    expect(stops.some((c) => String(c.input['id']).startsWith('pipeline-test-arm64:'))).toBe(true);
    await Promise.all(stops.map((c) => codebuild.waitForBuild(String(c.input['id']))));
    expect(await currentDigest(`${registry.host}/pipeline-test:cancel-arm64v8`)).toBeUndefined();
    expect(await currentDigest(report.target)).toBeUndefined();
    expect(await currentDigest(`${registry.host}/pipeline-test:latest`)).toBe(published);
  });

  it('SIGINT to the CLI during the local amd64 build stops the arm64 CodeBuild build too (mixed builders)', async () => {
    await writeFile(join(sourceDir, 'slow'), 'arm64');
    const before = callsOf('StartBuild').length;
    const stopsBefore = callsOf('StopBuild').length;
    const child = execa(process.execPath, [
      'bin/multiarch.js', 'pipeline', '--registry', registry.host, '--repository', 'pipeline-test', '--tag', 'mixed',
      '--context', sourceDir, '--log-dir', logDir, '--progress', 'plain',
      '--builder', 'amd64=local', '--builder', 'arm64=codebuild', '--account-id', '000000000000', '--source-version', 'main',
      '--codebuild-endpoint', codebuild.endpoint, '--logs-endpoint', codebuild.logsEndpoint, '--poll-interval', '200ms',
      '--build-arg', 'SLOW=amd64', '--build-arg', 'SLEEP=120', '--build-arg', `NONCE=${Date.now()}`,
      '--smoke-command', 'grep -q "^$(dpkg --print-architecture) " /arch',
    ], {
      cwd: process.cwd(),
      reject: false,
      env: { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-secret', AWS_DEFAULT_REGION: 'us-east-1', MULTIARCH_CONFIG: '', IMAGE_TAG: '', MULTIARCH_BUILDERS: '', CI: '' },
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // both builds under way: the CodeBuild one started, the local one building
    for (;;) {
      if (callsOf('StartBuild').length > before && /\[amd64\] build/.test(output)) break;
      if (child.exitCode !== null) throw new Error(`the run ended early:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const stops = callsOf('StopBuild').slice(stopsBefore);
    expect(stops.map((c) => String(c.input['id']))).toEqual([expect.stringMatching(/^pipeline-test-arm64:/)]);
    await Promise.all(stops.map((c) => codebuild.waitForBuild(String(c.input['id']))));
    for (const tag of ['mixed', 'mixed-amd64', 'mixed-arm64v8']) expect(await currentDigest(`${registry.host}/pipeline-test:${tag}`)).toBeUndefined();
  });
});
