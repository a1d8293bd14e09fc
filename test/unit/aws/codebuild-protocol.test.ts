import { BatchGetBuildsCommand, CodeBuildClient, ResourceNotFoundException, StartBuildCommand, StopBuildCommand, type Build } from '@aws-sdk/client-codebuild';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCodeBuild, type LocalCodeBuild } from '../../support/aws-local/codebuild-server.js';

// The real SDK clients against the local CodeBuild/Logs server, with tiny buildspecs.
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

const BUILDSPECS: Record<string, string> = {
  'ok.yml': `version: 0.2
env:
  variables:
    FROM_BUILDSPEC: buildspec
    OVERRIDDEN: buildspec
  exported-variables: [GREETING, WHERE, OVERRIDDEN, GONE]
phases:
  install:
    commands:
      - echo hello
      - export GREETING="hi from $CODEBUILD_BUILD_NUMBER"
      - PLAIN=kept; mkdir -p sub && cd sub
      - export GONE=1
  build:
    commands:
      - echo "plain=$PLAIN pwd=$(basename "$PWD") src=$CODEBUILD_SRC_DIR"
      - export WHERE="$(pwd)"
      - unset GONE
      - echo "project=$FROM_PROJECT buildspec=$FROM_BUILDSPEC overridden=$OVERRIDDEN"
`,
  'fails.yml': `version: 0.2
phases:
  build:
    commands:
      - echo before
      - exit 3
      - echo never-printed
    finally:
      - echo finally-ran
  post_build:
    commands:
      - echo "post-build succeeding=$CODEBUILD_BUILD_SUCCEEDING"
`,
  'aborts.yml': `version: 0.2
phases:
  build:
    on-failure: ABORT
    commands:
      - echo before
      - exit 4
  post_build:
    commands:
      - echo post-build-ran
`,
  'pre-fails.yml': `version: 0.2
phases:
  pre_build:
    commands:
      - "false"
  build:
    commands:
      - echo build-ran
`,
  'sleeps.yml': `version: 0.2
phases:
  build:
    commands:
      - echo started
      - sleep 300 & echo $! > "$PIDFILE"; wait
`,
};

let dir: string;
let server: LocalCodeBuild;
let codebuild: CodeBuildClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebuild-protocol-'));
  for (const [name, text] of Object.entries(BUILDSPECS)) await writeFile(join(dir, name), text);
  const project = (buildspec: string, timeoutMinutes?: number) => ({
    buildspec,
    environmentVariables: { FROM_PROJECT: 'project', OVERRIDDEN: 'project' },
    ...(timeoutMinutes ? { timeoutMinutes } : {}),
  });
  server = await startLocalCodeBuild({
    sourceDir: dir,
    projects: { ok: project('ok.yml'), fails: project('fails.yml'), aborts: project('aborts.yml'), 'pre-fails': project('pre-fails.yml'), sleeps: project('sleeps.yml') },
  });
  codebuild = new CodeBuildClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
  logs = new CloudWatchLogsClient({ endpoint: server.logsEndpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  codebuild?.destroy();
  logs?.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function start(projectName: string, overrides: Record<string, string> = {}): Promise<string> {
  const out = await codebuild.send(
    new StartBuildCommand({ projectName, environmentVariablesOverride: Object.entries(overrides).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) }),
  );
  expect(out.build?.buildStatus).toBe('IN_PROGRESS');
  return out.build?.id as string;
}

async function get(id: string): Promise<Build> {
  const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
  return out.builds?.[0] as Build;
}

/** Polls like a real client would until `done` holds (the test timeout bounds it). */
async function pollUntil(id: string, done: (build: Build) => boolean): Promise<Build> {
  for (;;) {
    const build = await get(id);
    if (done(build)) return build;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const completed = (build: Build): boolean => build.buildComplete === true;

async function logText(build: Build): Promise<string> {
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: build.logs?.groupName, logStreamName: build.logs?.streamName, startFromHead: true }));
  return (out.events ?? []).map((e) => e.message).join('\n');
}

describe('local CodeBuild through @aws-sdk/client-codebuild', () => {
  it('runs a build: phases in order, env and cwd carried across commands, precedence, exported variables, logs', async () => {
    const id = await start('ok', { OVERRIDDEN: 'override' });
    expect(id).toMatch(/^ok:[0-9a-f-]{36}$/);
    const build = await pollUntil(id, completed);
    expect(build.buildStatus).toBe('SUCCEEDED');
    expect(build.currentPhase).toBe('COMPLETED');
    expect(build.startTime).toBeInstanceOf(Date);
    expect(build.endTime).toBeInstanceOf(Date);
    expect(build.phases?.map((p) => p.phaseType)).toEqual([
      'SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING', 'COMPLETED',
    ]);
    expect(build.phases?.slice(0, -1).every((p) => p.phaseStatus === 'SUCCEEDED')).toBe(true);
    expect(build.logs).toMatchObject({ groupName: '/aws/codebuild/ok', streamName: id.slice(3) });
    const exported = Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((v) => [v.name, v.value]));
    expect(exported['GREETING']).toBe('hi from 1');
    expect(exported['WHERE']).toMatch(/\/sub$/);
    expect(exported['OVERRIDDEN']).toBe('override');
    expect(exported).not.toHaveProperty('GONE');
    const text = await logText(build);
    expect(text).toContain('\nhello\n');
    expect(text).toMatch(/plain=kept pwd=sub src=\//);
    expect(text).toContain('project=project buildspec=buildspec overridden=override');
    expect(text).toMatch(/\[Container\] \d{4}\/\d\d\/\d\d [\d:.]+ Running command echo hello/);
  });

  it('fails a build on a failing command, runs finally and post_build (CODEBUILD_BUILD_SUCCEEDING=0)', async () => {
    const build = await pollUntil(await start('fails'), completed);
    expect(build.buildStatus).toBe('FAILED');
    const phase = build.phases?.find((p) => p.phaseType === 'BUILD');
    expect(phase?.phaseStatus).toBe('FAILED');
    expect(phase?.contexts?.[0]).toMatchObject({ statusCode: 'COMMAND_EXECUTION_ERROR', message: expect.stringContaining('exit 3') });
    expect(build.phases?.find((p) => p.phaseType === 'POST_BUILD')?.phaseStatus).toBe('SUCCEEDED');
    const text = await logText(build);
    expect(text).toContain('finally-ran');
    expect(text).toContain('post-build succeeding=0');
    expect(text).not.toContain('never-printed');
  });

  it('ends the build when pre_build fails (build and post_build do not run)', async () => {
    const build = await pollUntil(await start('pre-fails'), completed);
    expect(build.buildStatus).toBe('FAILED');
    expect(build.phases?.map((p) => p.phaseType)).not.toContain('BUILD');
    expect(await logText(build)).not.toContain('build-ran');
  });

  it('StopBuild kills the running command and its children; the build ends STOPPED', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const id = await start('sleeps', { PIDFILE: pidFile });
    await pollUntil(id, (b) => b.currentPhase === 'BUILD');
    let pid = '';
    while (!pid) pid = await readFile(pidFile, 'utf8').then((t) => t.trim(), () => '');
    const stopped = await codebuild.send(new StopBuildCommand({ id }));
    expect(stopped.build?.id).toBe(id);
    const build = await pollUntil(id, completed);
    expect(build.buildStatus).toBe('STOPPED');
    expect(build.phases?.find((p) => p.phaseType === 'BUILD')?.phaseStatus).toBe('STOPPED');
    expect(() => process.kill(Number(pid), 0)).toThrow();
    expect(server.calls().filter((c) => c.operation === 'StopBuild').map((c) => c.input['id'])).toEqual([id]);
  });

  it('fault injection: forced failure, timeout, stuck in QUEUED', async () => {
    server.inject({ kind: 'fail-build', project: 'ok' });
    const failed = await pollUntil(await start('ok'), completed);
    expect(failed.buildStatus).toBe('FAILED');
    expect(await logText(failed)).not.toContain('plain=kept');

    server.inject({ kind: 'time-out', project: 'sleeps', afterMs: 500 });
    const timedOut = await pollUntil(await start('sleeps', { PIDFILE: join(dir, 'timeout.pid') }), completed);
    expect(timedOut.buildStatus).toBe('TIMED_OUT');

    server.inject({ kind: 'stuck-queued', project: 'ok' });
    const id = await start('ok');
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(id)).currentPhase).toBe('QUEUED');
    await codebuild.send(new StopBuildCommand({ id }));
    expect((await pollUntil(id, completed)).buildStatus).toBe('STOPPED');
  });

  it('ThrottlingException: retried by the SDK when transient, surfaced when it persists', async () => {
    const before = server.calls().length;
    server.inject({ kind: 'throttle', count: 1, operations: ['BatchGetBuilds'] });
    const id = await start('ok');
    await get(id);
    const batchGets = server.calls().slice(before).filter((c) => c.operation === 'BatchGetBuilds');
    expect(batchGets.map((c) => c.status)).toEqual([400, 200]);
    expect(batchGets[0]?.errorType).toBe('ThrottlingException');

    const noRetry = new CodeBuildClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    server.inject({ kind: 'throttle', count: 1 });
    const error = await noRetry.send(new BatchGetBuildsCommand({ ids: [id] })).catch((e: unknown) => e);
    noRetry.destroy();
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    await server.waitForBuild(id);
  });

  it('unknown project → ResourceNotFoundException; unknown build ids → buildsNotFound', async () => {
    const error = await codebuild.send(new StartBuildCommand({ projectName: 'nope' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toContain('project/nope');
    const out = await codebuild.send(new BatchGetBuildsCommand({ ids: ['nope:1'] }));
    expect(out.builds).toEqual([]);
    expect(out.buildsNotFound).toEqual(['nope:1']);
    await expect(codebuild.send(new StopBuildCommand({ id: 'nope:1' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('GetLogEvents paging tokens and FilterLogEvents', async () => {
    const build = await pollUntil(await start('ok'), completed);
    const params = { logGroupName: build.logs?.groupName, logStreamName: build.logs?.streamName };
    const first = await logs.send(new GetLogEventsCommand({ ...params, startFromHead: true, limit: 2 }));
    expect(first.events).toHaveLength(2);
    expect(first.nextForwardToken).toBe('f/2');
    let token = first.nextForwardToken;
    let count = 2;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ ...params, nextToken: token, limit: 5 }));
      count += page.events?.length ?? 0;
      // Like the service: an unchanged token means the end (for now) of the stream.
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(count).toBe((await logs.send(new GetLogEventsCommand({ ...params, startFromHead: true }))).events?.length);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: params.logGroupName, logStreamNames: [params.logStreamName as string], filterPattern: '"Running command"' }));
    expect(filtered.events?.length).toBeGreaterThan(3);
    expect(filtered.events?.every((e) => e.message?.includes('Running command') && e.logStreamName === params.logStreamName)).toBe(true);
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: params.logGroupName, logStreamName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('an explicit on-failure: ABORT on BUILD ends the build there: POST_BUILD does not run', async () => {
    const build = await pollUntil(await start('aborts'), completed);
    expect(build.buildStatus).toBe('FAILED');
    const phases = build.phases?.map((p) => p.phaseType);
    expect(phases).toContain('BUILD');
    expect(phases).not.toContain('POST_BUILD');
    expect(build.phases?.find((p) => p.phaseType === 'BUILD')?.phaseStatus).toBe('FAILED');
    const log = await logText(build);
    expect(log).toContain('before');
    expect(log).not.toContain('post-build-ran');
  });

  it('answers StartBuild with AccountLimitExceededException while the account is at its quota', async () => {
    server.inject({ kind: 'account-limit', count: 1 });
    const error = await codebuild.send(new StartBuildCommand({ projectName: 'ok' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AccountLimitExceededException', message: 'Cannot have more than 0 builds in queue for the account' });
    // Consumed: the next start goes through.
    await pollUntil(await start('ok'), completed);
  });
});
