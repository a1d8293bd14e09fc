import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { resolveConfig } from '../../src/config/load-config.js';
import { executePipeline } from '../../src/pipeline/execute-pipeline.js';
import { defaultStateDir, imageDir, projectRoot } from '../../src/project-paths.js';
import type { TestImages } from '../support/provided.js';
import '../support/provided.js';

/**
 * Builds the product image for each arch once per run, through the same orchestration as
 * `multiarch build` (the pipeline stopped after the build; Docker's layer cache makes a run
 * with no image change take seconds), and provides the image IDs to integration suites.
 * MULTIARCH_TEST_IMAGES=skip provides none (for working on suites that need no image);
 * =amd64 builds only amd64. With CI set, narrowing is refused: CI tests every arch.
 */
export default async function setup(project: TestProject): Promise<void> {
  const wanted = process.env['MULTIARCH_TEST_IMAGES'] ?? 'amd64,arm64';
  if (process.env['CI'] && wanted !== 'amd64,arm64') {
    throw new Error(`MULTIARCH_TEST_IMAGES=${wanted} narrows the images under test; CI must test both arches (unset it)`);
  }
  if (wanted === 'skip') {
    project.provide('images', {});
    return;
  }
  const stateDir = defaultStateDir();
  const started = Date.now();
  const config = resolveConfig({ repository: 'multiarch-test-image', tag: 'it', arches: wanted, build: { base: 'local', localTagTemplate: '{tag}-{arch}' }, logDir: join(stateDir, 'logs', 'test-images') }, {}, 'build');
  const report = await executePipeline(config, {
    projectDir: projectRoot(),
    productContextDir: imageDir(),
    stateDir,
    stopAfter: 'build',
    emit: (event) => {
      if (event.type !== 'line') process.stderr.write(`[global-setup] ${event.subject}: ${event.type === 'phase' ? `${event.phase}${event.detail ? ` ${event.detail}` : ''}` : event.detail}\n`);
    },
  });
  if (report.error) throw new Error(`global setup: building the test images failed: ${report.error.message}`);
  process.stderr.write(`[global-setup] images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const images: { -readonly [K in keyof TestImages]: string } = {};
  // image IDs, not tags: another run (or a session working in parallel) may move the tag
  for (const arch of report.arches) {
    if (!arch.imageId) throw new Error(`global setup: the ${arch.arch} build reported no image ID`);
    images[arch.arch] = arch.imageId;
  }
  project.provide('images', images);
}
