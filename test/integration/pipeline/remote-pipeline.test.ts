import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, tinyConfig, tinyContextWithoutRun } from './fixtures.js';

/** A second dockerd on its own socket and data root: the "remote" engine. */
let dockerd: ChildProcess;
let dir: string;
let host: string;
let registry: TestRegistry;
let context: string;

beforeAll(async () => {
  if (process.env['MULTIARCH_TEST_SECOND_DOCKERD'] !== '1') return;
  dir = await mkdtemp('/tmp/ma-remote-');
  host = `unix://${dir}/docker.sock`;
  dockerd = spawn('dockerd', [
    '--host', host, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
    '--bridge', 'none', '--iptables=false', '--ip-masq=false',
  ], { stdio: 'ignore' });
  const remote = new DockerCli({ host });
  for (let i = 0; i < 100 && !(await remote.ping()); i += 1) await new Promise((r) => setTimeout(r, 200));
  // the tiny image builds FROM the local bases: load them into the remote engine
  for (const arch of ['amd64', 'arm64']) {
    await execa('bash', ['-o', 'pipefail', '-c', `/usr/bin/docker save multiarch-base:trixie-${arch} | /usr/bin/docker -H ${host} load`]);
  }
  registry = await startTestRegistry();
  context = await tinyContextWithoutRun();
}, 180_000);

afterAll(async () => {
  await registry?.stop();
  if (dockerd && dockerd.exitCode === null) {
    dockerd.kill('SIGTERM');
    await new Promise((r) => dockerd.once('exit', r));
  }
  if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
});

// A dockerd started with `--bridge none` deletes the host's `docker0` on start-up
// (moby removeDefaultBridgeInterface), which breaks the shared engine's bridge network.
// Opt in until the second engine runs with a bridge of its own.
const enabled = process.env['MULTIARCH_TEST_SECOND_DOCKERD'] === '1';

describe.runIf(enabled)('multiarch pipeline with a remote Docker engine', () => {
  it('builds, tests and pushes on the remote engine, and the local one never sees the image', async () => {
    const logDir = join(dir, 'logs');
    const report = await executePipeline(tinyConfig(registry.host, context, logDir, { builders: { amd64: `remote:${host}`, arm64: `remote:${host}` } }), {
      projectDir: process.cwd(),
      productContextDir: context,
      stateDir: logDir,
    });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    expect(report.arches.map((a) => a.builder)).toEqual([`docker (${host})`, `docker (${host})`]);
    expect(await currentDigest(report.target)).toBe(report.digest);
    const remoteImages = await execa('/usr/bin/docker', ['-H', host, 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(remoteImages.stdout).toContain('pipeline-test:latest-arm64v8');
    const local = await execa('/usr/bin/docker', ['image', 'inspect', `${registry.host}/pipeline-test:latest-arm64v8`], { reject: false });
    expect(local.exitCode).not.toBe(0);
  });

  it('an unreachable remote engine fails setup and publishes nothing', async () => {
    const report = await executePipeline(tinyConfig(registry.host, context, dir, { tag: 'unreachable', builders: { arm64: `remote:unix://${dir}/nope.sock` } }), {
      projectDir: process.cwd(),
      productContextDir: context,
      stateDir: dir,
    });
    expect(report.error?.code).toBe('HOST_SETUP');
    expect(await currentDigest(report.target)).toBeUndefined();
  });
});
