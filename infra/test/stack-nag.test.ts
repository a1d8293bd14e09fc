import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStack } from './support/synth-stack.js';

// cdk-nag 3 is a CDK policy-validation plugin: it no longer writes Annotations (so
// `Annotations.findError('*', /AwsSolutions-/)` would always be empty) but reports
// violations, which `validateScope` returns and `cdk synth` turns into a failed synthesis.
function nagViolations(context: Record<string, unknown>, { ignoreAcknowledgements = false } = {}) {
  const { stack } = synthStack(context);
  const pack = new AwsSolutionsChecks(undefined, { verbose: true });
  if (ignoreAcknowledgements) {
    // Test-only: re-run the rules as if nothing had been acknowledged.
    Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  }
  return { stack, violations: pack.validateScope(stack).violations };
}

const ACKNOWLEDGED = ['AwsSolutions-CB4', 'AwsSolutions-IAM5[Resource::*]'];

// The configurations `cdk synth` must pass in (issue 11): default (weekly schedule on),
// batch with a tag, an existing repository, a custom schedule, and everything off.
describe.each([
  ['default', {}],
  ['batch, tag v1', { batch: 'true', tag: 'v1' }],
  ['existing repository', { existingRepository: 'true' }],
  ['schedule on (custom expression)', { schedule: 'cron(0 4 ? * SUN *)' }],
  ['schedule off', { schedule: 'off' }],
  ['batch with S3 source', { batch: 'true', source: 's3://build-sources/source.zip' }],
  ['batch with CodeCommit source', { batch: 'true', source: 'codecommit:multi-arch-src' }],
])('cdk-nag AwsSolutions (%s)', (_label, context) => {
  it('reports no unacknowledged error or warning', () => {
    const { violations } = nagViolations(context);
    expect(violations.map((v) => `${v.ruleName} ${v.severity} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });

  it('leaves no AwsSolutions error in the annotations either', () => {
    const { stack } = nagViolations(context);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('acknowledges only findings that exist, each with a specific reason', () => {
    const { violations } = nagViolations(context, { ignoreAcknowledgements: true });
    // Every acknowledgement still matches a real finding (none is stale) …
    expect(violations.map((v) => v.ruleName).sort()).toEqual(ACKNOWLEDGED);
    // … and the wildcard finding is only on the project policies, for the ECR login.
    const iam5 = violations.find((v) => v.ruleName === 'AwsSolutions-IAM5[Resource::*]')!;
    for (const r of iam5.violatingResources) expect(r.constructPath).toMatch(/\/Policy\/Resource$/);
  });
});

describe('acknowledgement reasons', () => {
  it('are recorded on the constructs with a justification', () => {
    const { stack } = synthStack();
    const reasons = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    const byId = new Map(reasons.map(([id, reason]) => [id.replace(/^[^:]+::/, ''), reason]));
    expect([...byId.keys()].sort()).toEqual(expect.arrayContaining(ACKNOWLEDGED));
    expect(byId.get('AwsSolutions-IAM5[Resource::*]')).toMatch(/GetAuthorizationToken/);
    expect(byId.get('AwsSolutions-CB4')).toMatch(/no build artifacts/);
  });
});
