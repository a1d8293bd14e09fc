import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { pipelineCredentials } from '../../../src/pipeline/registry-credentials.js';
import { startLocalEcr, type LocalEcr } from '../../support/aws-local/ecr-server.js';

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
let dockerConfig: string;
let ecr: LocalEcr;

beforeAll(async () => {
  dockerConfig = await mkdtemp(join(tmpdir(), 'multiarch-docker-config-'));
  const auth = Buffer.from('ci:from-docker-config').toString('base64');
  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { '127.0.0.1:5999': { auth } } }));
  ecr = await startLocalEcr({ username: 'AWS', password: 'from-ecr', registryUrl: `https://${ECR_HOST}` });
});
afterAll(async () => {
  await ecr?.stop();
  await rm(dockerConfig, { recursive: true, force: true });
});

const config = async (env: Record<string, string>) =>
  (await loadConfig({ env: { MULTIARCH_REGISTRY: ECR_HOST, AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-secret', ...env } })).config;

describe('pipeline registry credentials', () => {
  it('the ECR endpoint override comes from AWS_ENDPOINT_URL_ECR, else AWS_ENDPOINT_URL', async () => {
    expect((await config({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' })).ecrEndpoint).toBe('http://127.0.0.1:1');
    expect((await config({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:2' })).ecrEndpoint).toBe('http://127.0.0.1:2');
    expect((await config({})).ecrEndpoint).toBeUndefined();
  });

  it('a Docker config `auths` entry answers for its host; other hosts stay anonymous', async () => {
    const resolver = pipelineCredentials(await config({}), dockerConfig);
    expect(await resolver.resolve('127.0.0.1:5999')).toEqual(expect.objectContaining({ username: 'ci', password: 'from-docker-config' }));
    expect(await resolver.resolve('127.0.0.1:6000')).toBeUndefined();
  });

  it('an ECR host gets a GetAuthorizationToken password from the configured endpoint', async () => {
    const resolver = pipelineCredentials(await config({ AWS_ENDPOINT_URL_ECR: ecr.endpoint }), dockerConfig);
    expect(await resolver.resolve(ECR_HOST)).toEqual({ username: 'AWS', password: 'from-ecr', source: 'ECR GetAuthorizationToken in us-east-1' });
    expect(ecr.requests()).toBe(1);
  });
});
