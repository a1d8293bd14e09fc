import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDigest } from '../../../src/registry-verbs/resolve-digest.js';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyConfig, tinyContext } from './fixtures.js';

const projectDir = process.cwd();
let registry: TestRegistry;
let context: string;
let logDir: string;
let published: string | undefined;

const run = (overrides: Record<string, unknown> = {}, signal?: AbortSignal, emit?: (e: ProgressEvent) => void) =>
  executePipeline(tinyConfig(registry.host, context, logDir, overrides), {
    projectDir,
    productContextDir: join(projectDir, 'image'),
    stateDir: join(projectDir, '.multiarch'),
    ...(signal ? { signal } : {}),
    ...(emit ? { emit } : {}),
  });

beforeAll(async () => {
  registry = await startTestRegistry();
  context = await tinyContext();
  logDir = await mkdtemp(join(tmpdir(), 'multiarch-pipeline-logs-'));
});
afterAll(async () => {
  await registry?.stop();
  // the engine is shared: the local tags (pipeline-test:latest-amd64…) and the pushed names go
  if (registry) await removeImages(['pipeline-test', `${registry.host}/pipeline-test`]);
  if (context) await rm(context, { recursive: true, force: true });
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

describe('multiarch pipeline on the local Docker engine', () => {
  it('publishes a verified multi-arch index whose per-arch tags stay plain image manifests', async () => {
    const events: ProgressEvent[] = [];
    const report = await run({}, undefined, (e) => events.push(e));
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    expect(report.previousDigest).toBeUndefined();
    const target = `${registry.host}/pipeline-test:latest`;
    const index = await resolveDigest(target);
    expect(index.digest).toBe(report.digest);
    expect(index.mediaType).toMatch(/index|manifest\.list/);
    for (const arch of report.arches) {
      expect(arch.status).toBe('published');
      expect(arch.digest).toMatch(/^sha256:/);
      expect(arch.sizeBytes).toBeGreaterThan(1000);
      const perArch = await resolveDigest(arch.target);
      expect(perArch.digest).toBe(arch.digest);
      expect(perArch.mediaType).not.toMatch(/index|list/);
    }
    expect(report.arches.map((a) => a.target)).toEqual([`${registry.host}/pipeline-test:latest-amd64`, `${registry.host}/pipeline-test:latest-arm64v8`]);
    // every arch went through every step, and the display heard about each
    for (const arch of ['amd64', 'arm64'] as const) {
      const phases = events.filter((e) => e.type === 'phase' && e.subject === arch).map((e) => (e.type === 'phase' ? e.phase : ''));
      expect(phases).toEqual(['build', 'smoke-test', 'push', 'verify', 'done']);
    }
    expect(existsSync(join(logDir))).toBe(true);
    published = report.digest;
  });

  it('a failed build cancels nothing it should not, publishes nothing and keeps the log', async () => {
    expect(published).toBeDefined();
    const report = await run({ build: { context, args: { FAIL: 'arm64', NONCE: String(Date.now()) } } });
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('BUILD_FAILED');
    const arm = report.arches.find((a) => a.arch === 'arm64');
    expect(arm?.status).toBe('failed');
    expect(arm?.logFile).toBeDefined();
    expect(await readFile(arm?.logFile ?? '', 'utf8')).toContain('failing on purpose for arm64');
    expect(await currentDigest(report.target)).toBe(published);
    expect(report.previousDigest).toBe(published);
  });

  it('a failed smoke test is a test failure and leaves the tag where it was', async () => {
    const report = await run({ smokeTest: { command: ['sh', '-c', 'test "$(dpkg --print-architecture)" != arm64'] } });
    expect(report.status).toBe('failed');
    expect(report.error?.code).toBe('TEST_FAILED');
    expect(report.arches.find((a) => a.arch === 'arm64')?.status).toBe('failed');
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('a failing arch cancels the slow one still building', async () => {
    const report = await run({ build: { context, args: { FAIL: 'amd64', SLOW: 'arm64', SLEEP: '120', NONCE: String(Date.now()) } } });
    expect(report.error?.code).toBe('BUILD_FAILED');
    expect(report.arches.find((a) => a.arch === 'arm64')?.status).toBe('cancelled');
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('Ctrl-C mid-build cancels every arch and publishes nothing', async () => {
    const controller = new AbortController();
    const report = await run({ build: { context, args: { SLOW: 'amd64', SLEEP: '120', NONCE: String(Date.now()) } } }, controller.signal, (e) => {
      if (e.type === 'phase' && e.subject === 'amd64' && e.phase === 'build') setTimeout(() => controller.abort(new Error('SIGINT')), 1_500);
    });
    expect(report.status).toBe('cancelled');
    expect(report.error?.code).toBe('CANCELLED');
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('a step over its time limit is a timeout', async () => {
    const report = await run({ build: { context, args: { SLOW: 'amd64', SLEEP: '120', NONCE: String(Date.now()) } }, timeouts: { build: '3s' } });
    expect(report.error?.code).toBe('TIMEOUT');
    expect(await currentDigest(report.target)).toBe(published);
  });

  it('an unreachable registry is a registry failure before anything is built', async () => {
    const report = await executePipeline(tinyConfig('127.0.0.1:1', context, logDir), { projectDir, productContextDir: context, stateDir: logDir });
    expect(report.status).toBe('failed');
    expect(['REGISTRY', 'INTERNAL']).toContain(report.error?.code);
    expect(report.arches.every((a) => a.status === 'pending')).toBe(true);
  });
});
