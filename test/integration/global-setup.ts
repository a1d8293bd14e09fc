import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildImages } from '../../src/builders/build-images.js';
import { SYSTEM_CA_BUNDLE } from '../../src/builders/image-build-request.js';
import { readSourceMetadata } from '../../src/builders/source-metadata.js';
import { DockerCli } from '../../src/docker/docker-cli.js';
import { defaultStateDir, imageDir, projectRoot } from '../../src/project-paths.js';
import type { TestImages } from '../support/provided.js';
import '../support/provided.js';

/**
 * Builds the product image for each arch once per run, through the same library code as
 * `multiarch build` (Docker's layer cache makes a run with no image change take seconds),
 * and provides the tags to integration suites. MULTIARCH_TEST_IMAGES=skip provides none
 * (for working on suites that need no image); =amd64 builds only amd64.
 */
export default async function setup(project: TestProject): Promise<void> {
  const wanted = process.env['MULTIARCH_TEST_IMAGES'] ?? 'amd64,arm64';
  if (wanted === 'skip') {
    project.provide('images', {});
    return;
  }
  const arches = wanted.split(',').filter((a): a is 'amd64' | 'arm64' => a === 'amd64' || a === 'arm64');
  const stateDir = defaultStateDir();
  const logDir = join(stateDir, 'logs', 'test-images');
  await mkdir(logDir, { recursive: true });
  const started = Date.now();
  const built = await buildImages({
    docker: new DockerCli(),
    arches,
    repository: 'multiarch-test-image',
    tag: 'it',
    archTagTemplate: '{tag}-{arch}',
    base: 'local',
    contextDir: imageDir(),
    caBundle: SYSTEM_CA_BUNDLE,
    metadata: await readSourceMetadata(projectRoot()),
    stateDir,
    logDir,
    onEvent: (event) => {
      if (event.kind !== 'line') process.stderr.write(`[global-setup] ${event.arch}: ${event.message}\n`);
    },
  });
  process.stderr.write(`[global-setup] images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const images: { -readonly [K in keyof TestImages]: string } = {};
  // image IDs, not tags: another run (or a session working in parallel) may move the tag
  for (const image of built) {
    if (!image.imageId) throw new Error(`global setup: the ${image.arch} build reported no image ID`);
    images[image.arch] = image.imageId;
  }
  project.provide('images', images);
}
