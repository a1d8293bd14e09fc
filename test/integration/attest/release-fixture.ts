import { parseDpkgStatus } from '../../../src/attest/dpkg-status.js';
import { buildProvenance } from '../../../src/attest/provenance.js';
import { buildSbom } from '../../../src/attest/sbom.js';
import type { ReleaseImage } from '../../../src/attest/sign-release.js';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { pushRandomImage, type SyntheticImage } from '../../support/synthetic-image.js';

/** A full commit SHA the synthetic images are labelled with (test data, not a real commit). */
export const COMMIT = 'a'.repeat(40);
export const OTHER_COMMIT = 'b'.repeat(40);

const DPKG = 'Package: libc6\nStatus: install ok installed\nArchitecture: ARCH\nVersion: 2.41-12\n\nPackage: tini\nStatus: install ok installed\nArchitecture: ARCH\nVersion: 0.19.0-3\n';

/** A two-arch release on a test registry: per-arch images labelled with a commit, an index, a tag. */
export interface Release {
  readonly repository: string;
  readonly tag: string;
  readonly indexDigest: string;
  readonly amd64: SyntheticImage;
  readonly arm64: SyntheticImage;
}

/** SBOM (2 Debian + 1 npm package) and provenance (naming `commit`) for a synthetic image. */
export function releaseDocuments(registryHost: string, image: SyntheticImage, platform: string, commit = COMMIT): ReleaseImage {
  const started = new Date('2026-01-01T10:00:00Z');
  const finished = new Date('2026-01-01T10:05:00Z');
  return {
    platform,
    digest: image.manifestDigest,
    sbom: buildSbom({
      subject: { name: `${registryHost}/app`, imageId: image.configDigest, manifestDigest: image.manifestDigest, platform: image.platform },
      contents: { debian: parseDpkgStatus(DPKG.replaceAll('ARCH', image.platform.architecture)), npm: [{ name: 'puppeteer-core', version: '25.16.0', license: 'Apache-2.0', path: '/usr/local/lib/node_modules/puppeteer-core' }], os: { id: 'debian', versionId: '13' } },
      timestamp: finished,
      tool: { name: 'multiarch', version: '0.1.0' },
    }),
    provenance: buildProvenance({
      platform,
      source: { repository: 'https://example.invalid/test/repo.git', commit },
      builder: { kind: 'local-docker' },
      dockerfile: { path: 'image/Dockerfile' },
      buildArgs: { REVISION: commit },
      startedOn: started,
      finishedOn: finished,
    }),
  };
}

/** Both documents for both images of a release. */
export function releaseImages(registryHost: string, release: Release): ReleaseImage[] {
  return [releaseDocuments(registryHost, release.amd64, 'linux/amd64'), releaseDocuments(registryHost, release.arm64, 'linux/arm64/v8')];
}

/** Pushes two per-arch images labelled with `commit` and an index over them, tagged `tag`; signs nothing. */
export async function publishUnsigned(client: RegistryClient, registryHost: string, repository: string, tag: string, commit = COMMIT): Promise<Release> {
  const labels = { config: { Labels: { 'org.opencontainers.image.revision': commit } } };
  const amd64 = await pushRandomImage(client, repository, `${tag}-amd64`, { architecture: 'amd64', format: 'oci', configExtra: labels });
  const arm64 = await pushRandomImage(client, repository, `${tag}-arm64`, { architecture: 'arm64', variant: 'v8', format: 'oci', configExtra: labels });
  const index = await createIndex({ target: `${registryHost}/${repository}:${tag}`, sources: [`${registryHost}/${repository}@${amd64.manifestDigest}`, `${registryHost}/${repository}@${arm64.manifestDigest}`] });
  return { repository, tag, indexDigest: index.digest, amd64, arm64 };
}
