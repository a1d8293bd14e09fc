import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baseImageTag, ensureBaseImages } from '../../../src/base/base-image.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { inspectLocalImage } from '../../../src/docker/image-inspect.js';
import { checkHost } from '../../../src/host/host-checks.js';
import { defaultStateDir, projectRoot } from '../../../src/project-paths.js';

const docker = new DockerCli();

describe('host setup', () => {
  it('is idempotent: a second run installs, starts and registers nothing', async () => {
    const script = join(projectRoot(), 'scripts', 'setup-host.sh');
    await execa('bash', [script]);
    const again = await execa('bash', [script]);
    const lines = String(again.stdout).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[setup\] ready: docker .*, qemu .*10\.\d+.*, registry 127\.0\.0\.1:\d+$/);
  });

  it('leaves a host on which every doctor check passes', async () => {
    const checks = await checkHost({ docker, registryPort: Number(process.env['MULTIARCH_REGISTRY_PORT'] ?? 5000) });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('runs arm64 binaries through QEMU 10 registered with the F flag', async () => {
    const result = await docker.run(['run', '--rm', '--network', 'none', '--platform', 'linux/arm64', baseImageTag('arm64'), 'uname', '-m']);
    expect(result.stdout.trim()).toBe('aarch64');
  });
});

describe('offline base images', () => {
  it('labels each per-platform base with its real architecture and reuses it instantly', async () => {
    const bases = await ensureBaseImages({ docker, arches: ['amd64', 'arm64'], stateDir: defaultStateDir() });
    expect(bases.map((b) => b.cached)).toEqual([true, true]);
    for (const arch of ['amd64', 'arm64'] as const) {
      const info = await inspectLocalImage(docker, baseImageTag(arch));
      expect(info?.os).toBe('linux');
      expect(info?.architecture).toBe(arch);
      expect(info?.labels['io.github.puppeteer-multiarch.base']).toMatch(/^trixie-r\d+$/);
    }
  });

  it('has the security archive and slim dpkg excludes, like debian:trixie-slim', async () => {
    const result = await docker.run(['run', '--rm', '--network', 'none', baseImageTag('amd64'), 'sh', '-c', 'cat /etc/apt/sources.list; cat /etc/dpkg/dpkg.cfg.d/*; ls /usr/share/man 2>/dev/null | wc -l']);
    expect(result.stdout).toMatch(/debian-security trixie-security main/);
    expect(result.stdout).toMatch(/path-exclude=\/usr\/share\/doc\/\*/);
    expect(result.stdout).toMatch(/force-unsafe-io/);
  });
});
