import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndex, type CreateIndexResult } from '../../../src/registry-verbs/create-index.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { pushRandomImage, type SyntheticImage } from '../../support/synthetic-image.js';

const DOCKER = '/usr/bin/docker';

/** Our index as the reference tools see it: docker CLI, skopeo, and the daemon's pull. */
describe('interoperability of our index with docker and skopeo', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let amd64: SyntheticImage;
  let arm64: SyntheticImage;
  let oci: CreateIndexResult;
  let dockerConfig: string;
  const pulled: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    client = new RegistryClient({ registry: registry.host });
    dockerConfig = await mkdtemp(join(tmpdir(), 'multiarch-docker-config-'));
    amd64 = await pushRandomImage(client, 'interop', 'latest-amd64', { architecture: 'amd64' });
    arm64 = await pushRandomImage(client, 'interop', 'latest-arm64v8', { architecture: 'arm64' });
    oci = await createIndex({ target: `${registry.host}/interop:latest`, sources: [`${registry.host}/interop:latest-amd64`, `${registry.host}/interop:latest-arm64v8`] });
    await createIndex({ target: `${registry.host}/interop:list`, sources: [`${registry.host}/interop:latest-amd64`, `${registry.host}/interop:latest-arm64v8`], format: 'docker' });
  });
  afterAll(async () => {
    for (const image of pulled) await execa(DOCKER, ['image', 'rm', '-f', image], { reject: false });
    await client.close();
    await registry.stop();
    await rm(dockerConfig, { recursive: true, force: true });
  });

  const docker = (args: string[]) => execa(DOCKER, args, { env: { DOCKER_CONFIG: dockerConfig, DOCKER_CLI_EXPERIMENTAL: 'enabled' } });

  for (const tag of ['latest', 'list']) {
    it(`docker manifest inspect reads the ${tag === 'latest' ? 'OCI index' : 'Docker manifest list'}`, async () => {
      const { stdout } = await docker(['manifest', 'inspect', '--insecure', `${registry.host}/interop:${tag}`]);
      const parsed = JSON.parse(stdout) as { manifests: Array<{ digest: string; platform: { architecture: string; variant?: string } }> };
      expect(parsed.manifests.map((m) => [m.digest, m.platform.architecture, m.platform.variant])).toEqual([
        [amd64.manifestDigest, 'amd64', undefined],
        [arm64.manifestDigest, 'arm64', 'v8'],
      ]);
    });
  }

  it('skopeo inspect --raw returns exactly the bytes we pushed', async () => {
    const { stdout } = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/interop:latest`]);
    expect(stdout).toBe(JSON.stringify(oci.index));
  });

  it('skopeo --override-arch arm64 inspect resolves the arm64 image', async () => {
    const { stdout } = await execa('skopeo', ['--override-arch', 'arm64', 'inspect', '--tls-verify=false', `docker://${registry.host}/interop:latest`]);
    const parsed = JSON.parse(stdout) as { Architecture: string; Digest: string; Os: string; Layers: string[] };
    // skopeo reports the digest of what the tag names (our index) and the chosen image's layers
    expect(parsed).toMatchObject({ Architecture: 'arm64', Os: 'linux', Digest: oci.digest, Layers: [arm64.layerDigest] });
  });

  for (const [platform, expected] of [
    ['linux/arm64', 'arm64'],
    ['linux/amd64', 'amd64'],
  ] as const) {
    it(`docker pull --platform ${platform} of the multi-arch tag pulls the ${expected} image`, async () => {
      const reference = `${registry.host}/interop:latest`;
      await execa(DOCKER, ['image', 'rm', '-f', reference], { reject: false });
      pulled.push(reference);
      await docker(['pull', '--quiet', '--platform', platform, reference]);
      const { stdout } = await docker(['image', 'inspect', '--format', '{{.Architecture}} {{index .RepoDigests 0}}', reference]);
      const [architecture, repoDigest] = stdout.trim().split(' ');
      expect(architecture).toBe(expected);
      expect(repoDigest).toBe(`${registry.host}/interop@${oci.digest}`);
    });
  }
});
