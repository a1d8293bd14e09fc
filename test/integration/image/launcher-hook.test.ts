import { describe, expect, inject, it } from 'vitest';
import { ARCHES } from '../../../src/arch.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import '../../support/provided.js';

const docker = new DockerCli();
const images = inject('images');

/** What Debian's launcher would pass Chromium after sourcing our hook, in the image. */
async function launcherFlags(image: string, arch: string, env: string[] = []): Promise<string> {
  const script = 'CHROMIUM_FLAGS=""; . /etc/chromium.d/zz-container; echo "$CHROMIUM_FLAGS"';
  const result = await docker.run(['run', '--rm', '--network', 'none', '--platform', `linux/${arch}`, ...env.flatMap((e) => ['-e', e]), image, 'sh', '-c', script]);
  return result.stdout.trim();
}

describe.each(ARCHES.filter((arch) => images[arch]))('Chromium launcher hook on %s (this host is x86-64)', (arch) => {
  const image = images[arch] as string;

  it(arch === 'amd64' ? 'keeps the zygote natively' : 'adds --no-zygote under QEMU emulation', async () => {
    const flags = await launcherFlags(image, arch);
    expect(flags).toContain('--no-sandbox');
    if (arch === 'amd64') expect(flags).not.toContain('--no-zygote');
    else expect(flags).toContain('--no-zygote');
  });

  it('honours CHROMIUM_ZYGOTE=off and a replaced CHROMIUM_EXTRA_FLAGS', async () => {
    const flags = await launcherFlags(image, arch, ['CHROMIUM_ZYGOTE=off', 'CHROMIUM_EXTRA_FLAGS=--no-sandbox --lang=de']);
    expect(flags.split(/\s+/)).toEqual(['--no-sandbox', '--lang=de', '--no-zygote']);
  });
});
