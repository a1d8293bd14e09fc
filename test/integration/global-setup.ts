import type { TestProject } from 'vitest/node';
import '../support/provided.js';

/**
 * Builds the product image for each arch once per run (Docker's layer cache makes a run
 * with no image change take seconds) and provides the tags to integration suites.
 * MULTIARCH_TEST_IMAGES=skip provides none, for working on suites that need no image.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (process.env['MULTIARCH_TEST_IMAGES'] === 'skip') {
    project.provide('images', {});
    return;
  }
  throw new Error('image building in global setup is not implemented yet: run with MULTIARCH_TEST_IMAGES=skip');
}
