import { describe, expect, it } from 'vitest';
import * as library from '../../src/index.js';

describe('library entry point', () => {
  it('exposes every verb the CLI runs', () => {
    for (const name of ['createIndex', 'inspectImage', 'verifyImage', 'resolveDigest', 'ensureBaseImages', 'runSmokeTest', 'pushImage', 'executePipeline', 'checkHost', 'loadConfig', 'RegistryClient', 'DockerCli']) {
      expect(typeof (library as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
