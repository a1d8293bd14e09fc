import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { createApp } from '../bin/app.js';
import { CDK_JSON_CONTEXT, TEST_ACCOUNT } from './support/synth-stack.js';

// What `cd infra && npx cdk synth` does, in process: the cloud assembly the CLI would deploy.
describe('app.synth()', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'multiarch-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('writes one stack for the configured environment, with no assets to publish', () => {
    const { app } = createApp({ outdir, context: { ...CDK_JSON_CONTEXT, account: TEST_ACCOUNT, source: 'github:example-org/puppeteer-multiarch' } });
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['MultiarchStack']);
    const stack = assembly.getStackByName('MultiarchStack');
    expect(stack.environment).toMatchObject({ account: TEST_ACCOUNT, region: 'us-east-1' });
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

  it('rejects bad context with one clear line before creating anything', () => {
    expect(() => createApp({ context: { repositoryName: 'Bad/Name' } })).toThrow(/stack setting "repositoryName"/);
    expect(() => createApp({ context: { source: 'svn://x' } })).toThrow(/source "svn:\/\/x"/);
  });
});
