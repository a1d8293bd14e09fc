import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baseImageTag } from '../../../src/base/base-image.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { inspectLocalImage } from '../../../src/docker/image-inspect.js';
import { imageDir } from '../../../src/project-paths.js';
import '../../support/provided.js';
import { runCli } from '../../support/run-cli.js';

const docker = new DockerCli();

describe('multiarch build (CLI, warm cache)', () => {
  // a missing image is a failed precondition, never a silent skip
  beforeAll(() => {
    if (!inject('images').amd64) throw new Error('the integration global setup built no amd64 test image (MULTIARCH_TEST_IMAGES excludes it): run with both arches');
  });
  afterAll(async () => {
    await docker.run(['rmi', '-f', 'multiarch-cli-test:v9-amd64', 'multiarch-cli-test:amd64-v9'], { reject: false });
  });

  it('builds the per-arch tag with the original naming and the right architecture', async () => {
    const { code, stdout, stderr } = await runCli(['build', '--arch', 'amd64', '--base', 'local', '--repo', 'multiarch-cli-test', '--tag', 'v9', '--progress', 'plain', '--json']);
    expect(stderr).toMatch(/\[amd64\] build: building multiarch-cli-test:v9-amd64/);
    expect(code).toBe(0);
    const [row] = JSON.parse(stdout) as { arch: string; tag: string; log: string }[];
    expect(row?.tag).toBe('multiarch-cli-test:v9-amd64');
    expect((await inspectLocalImage(docker, 'multiarch-cli-test:v9-amd64'))?.architecture).toBe('amd64');
  });

  it('honours a per-arch tag template', async () => {
    const { code } = await runCli(['build', '--arch', 'amd64', '--base', 'local', '--repo', 'multiarch-cli-test', '--tag', 'v9', '--arch-tag', '{arch}-{tag}', '--progress', 'none']);
    expect(code).toBe(0);
    expect(await inspectLocalImage(docker, 'multiarch-cli-test:amd64-v9')).toBeDefined();
  });
});

describe('build failures', () => {
  let context: string | undefined;
  afterAll(async () => {
    if (context) await rm(context, { recursive: true, force: true });
  });

  it('refuses an ARCH that does not match the base image (the original pushed it anyway)', async () => {
    const result = await docker.run(
      ['build', '--platform', 'linux/amd64', '--build-arg', `BASE_IMAGE=${baseImageTag('amd64')}`, '--build-arg', 'ARCH=arm64v8', '--secret', 'id=ca,src=/etc/ssl/certs/ca-certificates.crt', imageDir()],
      { reject: false },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/base image is amd64 but the build asked for arm64/);
  });

  it('exits 3 with the log path when the Dockerfile fails', async () => {
    context = await mkdtemp(join(tmpdir(), 'failing-context-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${baseImageTag('amd64')}\nRUN echo deliberately failing >&2 && exit 42\n`);
    const { code, stderr } = await runCli(['build', '--arch', 'amd64', '--base', 'local', '--context', context, '--repo', 'multiarch-fail-test', '--progress', 'none']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^multiarch: error: building multiarch-fail-test:latest-amd64 for linux\/amd64 failed: .*full log: .*amd64\.log\)$/m);
  });
});
