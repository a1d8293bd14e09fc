import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import { staticCredentials } from '../../../src/registry/auth/credentials.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyConfig, tinyContext } from './fixtures.js';

/**
 * One credential path: the per-arch `docker push` authenticates with what the run's
 * resolver found (here a credential only the library caller holds), never with a login
 * of Docker's own. A Docker config with no login for the registry stays unused.
 */
const REPOSITORY = 'pipeline-push-creds';
const USER = { username: 'pusher', password: `pw-${Date.now()}` };
let registry: TestRegistry;
let context: string;
let work: string;

beforeAll(async () => {
  registry = await startTestRegistry({ basicAuth: USER });
  context = await tinyContext();
  work = await mkdtemp(join(tmpdir(), 'multiarch-push-creds-'));
  await writeFile(join(work, 'config.json'), '{"auths":{}}');
});
afterAll(async () => {
  await registry?.stop();
  if (registry) await removeImages([REPOSITORY, `${registry.host}/${REPOSITORY}`]);
  for (const dir of [context, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docker push uses the run credentials', () => {
  it('publishes to an authenticated registry with credentials only the resolver holds, and leaves no config behind', async () => {
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('multiarch-push-'));
    const report = await executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY }), {
      projectDir: process.cwd(),
      productContextDir: context,
      stateDir: work,
      dockerConfigDir: work,
      credentials: staticCredentials({ [registry.host]: USER }),
    });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('published');
    const credentials = staticCredentials({ [registry.host]: USER });
    expect(await currentDigest(report.target, { credentials })).toBe(report.digest);
    const after = (await readdir(tmpdir())).filter((n) => n.startsWith('multiarch-push-'));
    expect(after).toEqual(before);
  });

  it('without credentials the push is refused by the registry and nothing moves', async () => {
    const report = await executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY, tag: 'anon' }), {
      projectDir: process.cwd(),
      productContextDir: context,
      stateDir: work,
      dockerConfigDir: work,
    });
    expect(report.status).toBe('failed');
    expect(['AUTH', 'REGISTRY']).toContain(report.error?.code);
  });
});
