import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, tinyConfig, tinyContextWithoutRun } from './fixtures.js';
import { hostEngineHealthy, startNetnsDockerd, type NetnsDockerd } from './netns-dockerd.js';

/**
 * The "remote" engine is a second dockerd in a network namespace of its own (see
 * netns-dockerd.ts for why that keeps the shared engine's docker0 and iptables untouched).
 * The test registry runs inside that namespace too, on its end of a veth /30 that exists
 * only between the host and the namespace: the engine pushes there itself, and the
 * pipeline's registry client (host namespace) reads the same address over the veth.
 * That address is not loopback, so the config sets insecureRegistry (plain HTTP).
 */
let engine: NetnsDockerd;
let registry: TestRegistry;
let context: string;
let before: { docker0: boolean; run: boolean };

beforeAll(async () => {
  before = await hostEngineHealthy();
  engine = await startNetnsDockerd(['multiarch-base:trixie-amd64', 'multiarch-base:trixie-arm64']);
  registry = await startTestRegistry({ host: engine.nsAddress, netns: engine.namespace });
  context = await tinyContextWithoutRun();
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  await engine?.stop();
  if (context) await execa('rm', ['-rf', context]);
  // the point of the namespace: the shared engine is exactly as healthy as before
  const after = await hostEngineHealthy();
  expect(after).toEqual(before);
}, 120_000);

const config = (overrides: Record<string, unknown> = {}) =>
  tinyConfig(registry.host, context, join(engine.dir, 'logs'), { builders: { amd64: `remote:${engine.host}`, arm64: `remote:${engine.host}` }, insecureRegistry: true, ...overrides });

describe('multiarch pipeline with a remote Docker engine (own network namespace)', () => {
  it('the shared engine was healthy to begin with', () => {
    expect(before).toEqual({ docker0: true, run: true });
  });

  it('builds, tests and pushes on the remote engine, and the local one never sees the image', async () => {
    const report = await executePipeline(config(), { projectDir: process.cwd(), productContextDir: context, stateDir: engine.dir });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    expect(report.arches.map((a) => a.builder)).toEqual([`docker (${engine.host})`, `docker (${engine.host})`]);
    expect(await currentDigest(report.target, { insecure: true })).toBe(report.digest);
    for (const arch of report.arches) expect(await currentDigest(arch.target, { insecure: true })).toBe(arch.digest);
    const remoteImages = await execa('/usr/bin/docker', ['-H', engine.host, 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    // built under its local tag there; the run tag it was pushed under is dropped again
    expect(remoteImages.stdout).toContain('pipeline-test:latest-arm64v8');
    expect(remoteImages.stdout).not.toContain(':run-');
    for (const arch of report.arches) {
      const local = await execa('/usr/bin/docker', ['image', 'inspect', arch.imageId ?? 'missing'], { reject: false });
      expect(local.exitCode).not.toBe(0);
    }
  });

  it('the remote engine lives in its own namespace: it has no docker0 and the host keeps its own', async () => {
    const inside = await execa('ip', ['-n', engine.namespace, '-o', 'link', 'show'], { reject: false });
    expect(inside.stdout).not.toContain('docker0');
    expect((await execa('ip', ['link', 'show', 'docker0'], { reject: false })).exitCode).toBe(0);
  });

  it('an unreachable remote engine fails setup and publishes nothing', async () => {
    const report = await executePipeline(config({ tag: 'unreachable', builders: { arm64: `remote:unix://${engine.dir}/nope.sock` } }), {
      projectDir: process.cwd(),
      productContextDir: context,
      stateDir: engine.dir,
    });
    expect(report.error?.code).toBe('HOST_SETUP');
    expect(await currentDigest(report.target, { insecure: true })).toBeUndefined();
  });
});
