import { BatchGetBuildBatchesCommand, BatchGetBuildsCommand, CodeBuildClient, StartBuildBatchCommand, type Build, type BuildBatch } from '@aws-sdk/client-codebuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';

// Batch builds of a build-graph through the real SDK: order, variables, exported variables
// readable from the batch's records (how buildspec-manifest.yml finds its siblings), fast-fail.
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

const FILES: Record<string, string> = {
  'batch.yml': `version: 0.2
batch:
  fast-fail: true
  build-graph:
    - identifier: first
      buildspec: arch.yml
      env:
        variables:
          WHICH: one
    - identifier: second
      buildspec: arch.yml
      env:
        variables:
          WHICH: two
    - identifier: joiner
      buildspec: join.yml
      depend-on: [first, second]
phases:
  build:
    commands: [echo graph-only]
`,
  'arch.yml': `version: 0.2
env:
  exported-variables: [OUT]
phases:
  build:
    commands:
      - 'if [ "$WHICH" = two ] && [ -n "\${SLOW:-}" ]; then sleep 30; fi'
      - export OUT="$WHICH-$TAG-$CODEBUILD_BATCH_BUILD_IDENTIFIER"
`,
  'join.yml': `version: 0.2
phases:
  build:
    commands:
      - echo "joiner is $CODEBUILD_BATCH_BUILD_IDENTIFIER with TAG=$TAG"
      - echo "marker $(cat marker.txt)"
`,
  'marker.txt': 'as-started\n',
};

let dir: string;
let server: LocalCodeBuild;
let client: CodeBuildClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebuild-batch-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
  server = await startLocalCodeBuild({ sourceDir: dir, projects: { graph: { buildspec: 'batch.yml', environmentVariables: { TAG: 'latest' } } } });
  client = new CodeBuildClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function runBatch(overrides: Record<string, string>, onFirstBuild?: () => Promise<void>): Promise<{ batch: BuildBatch; builds: Record<string, Build> }> {
  const started = await client.send(new StartBuildBatchCommand({ projectName: 'graph', environmentVariablesOverride: Object.entries(overrides).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) }));
  const id = started.buildBatch?.id as string;
  expect(started.buildBatch?.buildBatchStatus).toBe('IN_PROGRESS');
  let batch: BuildBatch;
  let firstSeen = false;
  for (;;) {
    batch = (await client.send(new BatchGetBuildBatchesCommand({ ids: [id] }))).buildBatches?.[0] as BuildBatch;
    if (!firstSeen && batch.buildGroups?.some((g) => g.currentBuildSummary)) {
      firstSeen = true;
      await onFirstBuild?.();
    }
    if (batch.complete) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.waitForBatch(id);
  const arns = (batch.buildGroups ?? []).flatMap((g) => (g.currentBuildSummary?.arn ? [g.currentBuildSummary.arn] : []));
  const ids = arns.map((arn) => arn.slice(arn.indexOf(':build/') + ':build/'.length));
  const found = ids.length ? ((await client.send(new BatchGetBuildsCommand({ ids }))).builds ?? []) : [];
  const builds = Object.fromEntries(found.map((b) => [(batch.buildGroups ?? []).find((g) => g.currentBuildSummary?.arn === b.arn)?.identifier ?? '?', b]));
  return { batch, builds };
}

const exported = (build: Build | undefined): Record<string, string> => Object.fromEntries((build?.exportedEnvironmentVariables ?? []).map((v) => [v.name ?? '', v.value ?? '']));

describe('local CodeBuild batch builds', () => {
  it('runs the graph in dependency order with the batch overrides; each build names its batch and identifier', async () => {
    const { batch, builds } = await runBatch({ TAG: 'v1' });
    expect(batch.buildBatchStatus).toBe('SUCCEEDED');
    expect(batch.arn).toBe(`arn:aws:codebuild:us-east-1:000000000000:build-batch/${batch.id}`);
    expect(batch.buildGroups?.map((g) => [g.identifier, g.dependsOn, g.currentBuildSummary?.buildStatus])).toEqual([
      ['first', [], 'SUCCEEDED'],
      ['second', [], 'SUCCEEDED'],
      ['joiner', ['first', 'second'], 'SUCCEEDED'],
    ]);
    // Exported variables stay in each build's record: a sibling reads them from there.
    expect(exported(builds['first'])).toEqual({ OUT: 'one-v1-first' });
    expect(exported(builds['second'])).toEqual({ OUT: 'two-v1-second' });
    for (const build of Object.values(builds)) expect(build.buildBatchArn).toBe(batch.arn);
    // The joiner started only after both others had ended.
    const joinerStart = builds['joiner']!.startTime!.getTime();
    for (const id of ['first', 'second']) expect(builds[id]!.endTime!.getTime()).toBeLessThanOrEqual(joinerStart);
    expect(server.buildLog(builds['joiner']!.id!).join('\n')).toContain('joiner is joiner with TAG=v1');
  });

  it('resolves the source once: a change after the batch started reaches none of its builds', async () => {
    const { builds } = await runBatch({}, () => writeFile(join(dir, 'marker.txt'), 'changed-later\n'));
    expect(server.buildLog(builds['joiner']!.id!).join('\n')).toContain('marker as-started');
    const versions = new Set(Object.values(builds).map((b) => b.resolvedSourceVersion));
    expect(versions.size).toBe(1);
    await writeFile(join(dir, 'marker.txt'), 'as-started\n');
  });

  it('fast-fail: a failed task stops the running ones, and its dependants never start', async () => {
    server.inject({ kind: 'fail-build', project: 'graph' });
    const { batch, builds } = await runBatch({ SLOW: '1' });
    expect(batch.buildBatchStatus).toBe('FAILED');
    const status = Object.fromEntries((batch.buildGroups ?? []).map((g) => [g.identifier, g.currentBuildSummary?.buildStatus ?? 'never started']));
    expect(status).toEqual({ first: 'FAILED', second: 'STOPPED', joiner: 'never started' });
    expect(builds['joiner']).toBeUndefined();
  });
});
