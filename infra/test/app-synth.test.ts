import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { createApp, isMainModule } from '../bin/app.js';
import { CDK_JSON_CONTEXT, TEST_ACCOUNT } from './support/synth-stack.js';

// What `cd infra && npx cdk synth` does, in process: the cloud assembly the CLI would deploy.
describe('app.synth()', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'multiarch-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('writes one stack for the configured environment, with no assets to publish', () => {
    const { app } = createApp({ outdir, defaultRegion: 'eu-west-3', context: { ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT, source: 'github:example-org/puppeteer-multiarch' } });
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['MultiarchStack']);
    const stack = assembly.getStackByName('MultiarchStack');
    // No -c region: the CLI's CDK_DEFAULT_REGION (the profile's region), not a hard-coded one.
    expect(stack.environment).toMatchObject({ account: TEST_ACCOUNT, region: 'eu-west-3' });
    const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8'));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(10);
    // Nothing to upload but the template itself: no file assets, no container images.
    const assets = JSON.parse(readFileSync(join(outdir, 'MultiarchStack.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
      dockerImages?: Record<string, unknown>;
    };
    expect(Object.values(assets.files).map((f) => f.source.path)).toEqual([stack.templateFile]);
    expect(assets.dockerImages ?? {}).toEqual({});
  });

  it('fails on an unacknowledged cdk-nag error, as `cdk synth` does', () => {
    const { app, stack } = createApp({ outdir: mkdtempSync(join(tmpdir(), 'multiarch-cdk-')), context: { ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT } });
    // A wildcard action nobody reviewed: AwsSolutions-IAM5[Action::ecr:Describe*].
    stack.manifestProject.policy.addStatements(new PolicyStatement({ actions: ['ecr:Describe*'], resources: [stack.repository.repository.repositoryArn] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::ecr:Describe\*\]/);
  });

  it('warns when no source is configured, and still synthesizes', () => {
    const { app } = createApp({ outdir: mkdtempSync(join(tmpdir(), 'multiarch-cdk-')), context: { ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT } });
    const stack = app.synth().getStackByName('MultiarchStack');
    const warnings = stack.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    expect(warnings.some((w) => w.includes('No build source configured'))).toBe(true);
  });

  it('-c region wins over CDK_DEFAULT_REGION; neither gives an environment-agnostic stack', () => {
    const pinned = createApp({ outdir: mkdtempSync(join(tmpdir(), 'multiarch-cdk-')), defaultRegion: 'eu-west-3', context: { ...CDK_JSON_CONTEXT, region: 'ap-south-1' } });
    expect(pinned.stack.region).toBe('ap-south-1');
    const agnostic = createApp({ outdir: mkdtempSync(join(tmpdir(), 'multiarch-cdk-')), context: { ...CDK_JSON_CONTEXT } });
    expect(agnostic.app.synth().getStackByName('MultiarchStack').environment.region).toBe('unknown-region');
  });

  // The configurations issue 11 requires, each synthesized to a cloud assembly with cdk-nag
  // as the blocking validation plugin (an unacknowledged finding throws, see above).
  it.each([
    ['default', {}],
    ['batch, tag v1', { batch: 'true', tag: 'v1' }],
    ['existing repository', { existingRepository: 'true' }],
    ['schedule on', { schedule: 'weekly' }],
  ])('synthesizes %s with cdk-nag blocking', (_label, context) => {
    const dir = mkdtempSync(join(tmpdir(), 'multiarch-cdk-'));
    const { app } = createApp({ outdir: dir, context: { ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT, region: 'us-east-1', ...context } });
    const stack = app.synth().getStackByName('MultiarchStack');
    expect(existsSync(join(dir, stack.templateFile))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad context with one clear line before creating anything', () => {
    expect(() => createApp({ context: { repositoryName: 'Bad/Name' } })).toThrow(/stack setting "repositoryName"/);
    expect(() => createApp({ context: { source: 'svn://x' } })).toThrow(/source "svn:\/\/x"/);
  });
});

describe('the app entry point', () => {
  it('recognises itself by path, whatever characters the path holds', () => {
    const path = '/tmp/dir with space/#x%20y/infra/bin/app.ts';
    expect(isMainModule(pathToFileURL(path).href, path)).toBe(true);
    expect(isMainModule(pathToFileURL(path).href, '/tmp/other.ts')).toBe(false);
    expect(isMainModule(pathToFileURL(path).href, undefined)).toBe(false);
  });

  // What `cdk synth` does: run cdk.json's "app" command through a shell in infra/, with the
  // assembly directory in CDK_OUTDIR. From a path with a space the old URL comparison never
  // matched, the app wrote nothing, and the CLI failed with "ENOENT cdk.out/manifest.json".
  it('synthesizes when the checkout path contains a space', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const parent = mkdtempSync(join(tmpdir(), 'multiarch cdk '));
    const checkout = join(parent, 'my checkout');
    try {
      mkdirSync(checkout);
      for (const entry of ['infra', 'src', 'package.json', 'tsconfig.json']) cpSync(join(root, entry), join(checkout, entry), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
      const out = join(parent, 'cdk.out');
      const app = (JSON.parse(readFileSync(join(checkout, 'infra', 'cdk.json'), 'utf8')) as { app: string }).app;
      const result = await execa(app, {
        shell: true,
        cwd: join(checkout, 'infra'),
        reject: false,
        timeout: 240_000,
        env: { CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT, region: 'us-east-1', source: 'github:example-org/puppeteer-multiarch' }) },
      });
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.exitCode).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
      expect(manifest.artifacts['MultiarchStack']?.type).toBe('aws:cloudformation:stack');
      expect(existsSync(join(out, 'MultiarchStack.template.json'))).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 300_000);
});
