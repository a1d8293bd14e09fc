import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { archPlatform, type Arch } from '../../../src/arch.js';
import { readGitSource } from '../../../src/attest/git-source.js';
import { readImageContents } from '../../../src/attest/image-contents.js';
import { prepareReleaseImage } from '../../../src/attest/release-image.js';
import type { SbomSummary } from '../../../src/attest/sbom.js';
import { signRelease, type ReleaseImage } from '../../../src/attest/sign-release.js';
import { ensureSigningKey } from '../../../src/attest/signing-key.js';
import { verifyRelease } from '../../../src/attest/verify-release.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { pushImage } from '../../../src/docker/push-image.js';
import { projectRoot } from '../../../src/project-paths.js';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import '../../support/provided.js';

// The product images this run built (global setup), by image ID. MULTIARCH_TEST_IMAGES
// chooses which; none at all is a failed precondition, not a skip.
const images = inject('images');
const arches = (['amd64', 'arm64'] as const).filter((a) => images[a] !== undefined);
const docker = new DockerCli();

beforeAll(() => {
  if (arches.length === 0) throw new Error('no product image was provided: run with MULTIARCH_TEST_IMAGES=amd64 (or amd64,arm64), not skip');
});

function imageId(arch: Arch): string {
  const id = images[arch];
  if (!id) throw new Error(`no ${arch} image`);
  return id;
}

describe.each(arches)('SBOM of the product image (%s)', (arch) => {
  it('lists exactly the packages dpkg says are installed, and the npm packages with licences', async () => {
    const contents = await readImageContents({ docker, image: imageId(arch) });
    // independent check: ask dpkg inside the image (nothing else runs; no network)
    const listed = await execa('/usr/bin/docker', ['run', '--rm', '--network', 'none', '--platform', `linux/${arch}`, '--entrypoint', 'dpkg-query', imageId(arch), '-W', '-f', '${db:Status-Status} ${Package}:${Architecture}=${Version}\\n']);
    const installed = listed.stdout.split('\n').filter((l) => l.startsWith('installed ')).map((l) => l.slice('installed '.length)).sort();
    expect(contents.debian.map((p) => `${p.name}:${p.architecture}=${p.version}`).sort()).toEqual(installed);
    expect(contents.debian.find((p) => p.name === 'chromium')?.architecture).toBe(arch);
    const puppeteer = contents.npm.find((p) => p.name === 'puppeteer-core');
    expect(puppeteer).toMatchObject({ version: '25.16.0', license: 'Apache-2.0', path: '/usr/local/lib/node_modules/puppeteer-core' });
    // /opt/browse/package.json is only {"type":"module"}: the service is our code, not an npm package
    expect(contents.npm.filter((p) => p.path.startsWith('/opt/browse'))).toEqual([]);
    expect(contents.npm.every((p) => p.path.startsWith('/usr/local/lib/node_modules/'))).toBe(true);
    expect(contents.os).toMatchObject({ id: 'debian', versionId: '13' });
    const licensed = contents.npm.filter((p) => p.license).length;
    console.log(`[sbom] ${arch}: ${contents.debian.length} Debian packages, ${contents.npm.length} npm packages (${licensed} with a licence)`);
  });

  it('rejects a tag: SBOMs are read by image ID or digest only', async () => {
    await expect(readImageContents({ docker, image: 'multiarch-test-image:it-amd64' })).rejects.toThrow(/must be an image ID \(sha256:…\) or a digest reference/);
  });
});

describe('a real release: pushed, SBOM + provenance attested, signed, verified', () => {
  let registry: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    registry = await startTestRegistry();
    dir = await mkdtemp(join(tmpdir(), 'multiarch-attest-real-'));
  });
  afterAll(async () => {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies with our verifier and with cosign, and the verified SBOMs have the image\'s package counts', async () => {
    const key = await ensureSigningKey(join(dir, 'state'));
    // The build's commit is the one the global setup read when it built the image; HEAD may
    // have moved since (commits during the run). The pipeline passes the build's own source
    // metadata; here the label says which commit that was, and the repository comes from git.
    const git = await readGitSource(projectRoot());
    const prepared: Array<ReleaseImage & { summary: SbomSummary }> = [];
    const digests: string[] = [];
    for (const arch of arches) {
      const started = new Date();
      const label = (await execa('/usr/bin/docker', ['image', 'inspect', '-f', '{{index .Config.Labels "org.opencontainers.image.revision"}}', imageId(arch)])).stdout.trim();
      const source = { ...git, commit: label };
      const pushed = await pushImage({ docker, source: imageId(arch), target: `${registry.host}/product:it-${arch}` });
      digests.push(pushed.digest);
      const platform = archPlatform(arch);
      prepared.push(
        await prepareReleaseImage({
          docker,
          imageId: imageId(arch),
          manifestDigest: pushed.digest,
          repository: `${registry.host}/product`,
          platform,
          provenance: { platform: `linux/${arch}${arch === 'arm64' ? '/v8' : ''}`, source, builder: { kind: 'local-docker' }, dockerfile: { path: 'image/Dockerfile' }, buildArgs: { REVISION: label }, startedOn: started, finishedOn: new Date() },
          tool: { name: 'multiarch', version: '0.1.0' },
        }),
      );
    }
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    for (const image of prepared) expect(await validator.validate(JSON.stringify(image.sbom)), image.platform).toBeNull();
    const index = await createIndex({ target: `${registry.host}/product:it`, sources: digests.map((d) => `${registry.host}/product@${d}`) });
    await signRelease({ repository: `${registry.host}/product`, indexDigest: index.digest, images: prepared, key: { kind: 'file', privateKeyPath: key.privateKeyPath } });
    const report = await verifyRelease({ reference: `${registry.host}/product:it`, key: { kind: 'file', publicKeyPath: key.publicKeyPath } });
    expect(report.ok).toBe(true);
    expect(report.images.map((i) => i.sbom)).toEqual(prepared.map((p) => p.summary));
    for (const image of prepared) {
      const bytes = Buffer.byteLength(JSON.stringify(image.sbom));
      console.log(`[sbom] ${image.platform}: ${image.summary.debian} Debian + ${image.summary.npm} npm components, ${(bytes / 1024).toFixed(0)} KiB`);
      const cosign = await execa('cosign', ['verify-attestation', '--key', key.publicKeyPath, '--insecure-ignore-tlog=true', '--type', 'cyclonedx', `${registry.host}/product@${image.digest}`], { reject: false });
      expect(cosign.exitCode, cosign.stderr).toBe(0);
    }
  });
});
