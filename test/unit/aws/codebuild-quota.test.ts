import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeBuildBuilder } from '../../../src/builders/codebuild.js';
import { HostSetupError } from '../../../src/errors.js';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';

// A new account's CodeBuild quota: StartBuild answers AccountLimitExceededException through
// the real SDK, and the builder turns it into one line naming the quota and how to raise it.
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
let dir: string;
let server: LocalCodeBuild;
let client: CodeBuildClient;
let logsClient: CloudWatchLogsClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebuild-quota-'));
  await writeFile(join(dir, 'buildspec.yml'), 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo never\n');
  server = await startLocalCodeBuild({ sourceDir: dir, projects: { 'multi-arch-test-arm64': { buildspec: 'buildspec.yml', environmentVariables: {} } } });
  client = new CodeBuildClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
  logsClient = new CloudWatchLogsClient({ endpoint: server.logsEndpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client?.destroy();
  logsClient?.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('StartBuild at the account quota', () => {
  it('fails at once with one line naming the quota and how to raise it, starting nothing', async () => {
    server.inject({ kind: 'account-limit', count: 10 });
    const builder = createCodeBuildBuilder({ client, logsClient, project: 'multi-arch-test-arm64', pollIntervalMs: 50, maxPollIntervalMs: 100, queueTimeoutMs: 60_000 });
    const error = await builder
      .build({ arch: 'arm64', contextDir: dir, dockerfile: 'Dockerfile', tag: '127.0.0.1:5000/multi-arch-test:run-1-arm64v8', buildArgs: {}, logFile: join(dir, 'build.log') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostSetupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('Cannot have more than 0 builds in queue for the account');
    expect(message).toContain('Concurrently running builds');
    expect(message).toContain('aws service-quotas request-service-quota-increase --service-code codebuild');
    // Not retried as if it were throttling: one StartBuild, and no build exists.
    const starts = server.calls().filter((c) => c.operation === 'StartBuild');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.errorType).toBe('AccountLimitExceededException');
  });
});
