import { describe, expect, it } from 'vitest';
import { ECR_AUTH_ACTION, ECR_LAYER_UPLOAD_ACTIONS, ECR_PUT_ACTIONS, ECR_READ_ACTIONS, ECR_UNTAG_ACTIONS } from '../lib/ecr-access.js';
import type { CfnJson } from './support/synth-stack.js';
import { projectNamed, resourcesOfType, synthStack } from './support/synth-stack.js';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: CfnJson;
  readonly Sid?: string;
  readonly Condition?: CfnJson;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every identity policy, inline role policy and managed policy. */
function allStatements(template: ReturnType<typeof synthStack>['template']): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))) {
    for (const s of r.Properties!.PolicyDocument.Statement) out.push({ owner: id, statement: s });
  }
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))) {
    for (const s of r.Properties!.PolicyDocument.Statement) out.push({ owner: id, statement: s });
  }
  for (const [id, r] of Object.entries(resourcesOfType(template, 'AWS::IAM::Role'))) {
    for (const p of (r.Properties!.Policies as CfnJson[] | undefined) ?? []) for (const s of p.PolicyDocument.Statement) out.push({ owner: id, statement: s });
  }
  return out;
}

/** The statements of the policy attached to a project's service role. */
function projectStatements(template: ReturnType<typeof synthStack>['template'], projectName: string): Statement[] {
  const roleId = projectNamed(template, projectName).props.ServiceRole['Fn::GetAtt'][0] as string;
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties!.Roles as CfnJson[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

const repoArn = (template: ReturnType<typeof synthStack>['template']): CfnJson => {
  const id = Object.keys(resourcesOfType(template, 'AWS::ECR::Repository'))[0]!;
  return { 'Fn::GetAtt': [id, 'Arn'] };
};

describe.each([
  ['GitHub source', {}],
  ['CodeCommit source, batch', { source: 'codecommit:multi-arch-src', batch: 'true' }],
  ['S3 source, batch', { source: 's3://build-sources/source.zip', batch: 'true' }],
])('IAM with %s', (_label, context) => {
  const { template } = synthStack(context);
  const statements = allStatements(template);

  it('grants nothing on "*" except ecr:GetAuthorizationToken', () => {
    const wildcard = statements.filter(({ statement }) => asList(statement.Resource).some((r) => JSON.stringify(r).includes('*')));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const { statement } of wildcard) {
      expect(statement.Resource).toBe('*');
      expect(asList(statement.Action)).toEqual([ECR_AUTH_ACTION]);
    }
  });

  it('allows only (but for one deny), names every action in full, and attaches no managed policy', () => {
    for (const { statement } of statements) {
      // the one deny: the manifest role may not start an arch build with an inline buildspec
      if (statement.Sid === 'NoBuildspecOverride') expect(statement).toMatchObject({ Effect: 'Deny', Action: 'codebuild:StartBuild', Condition: { Null: { 'codebuild:source.buildspec': 'false' } } });
      else expect(statement.Effect).toBe('Allow');
      for (const action of asList(statement.Action)) expect(action).not.toContain('*');
      expect(statement).not.toHaveProperty('NotAction');
      expect(statement).not.toHaveProperty('NotResource');
    }
    for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
  });

  it('scopes every ECR action but the login to the repository ARN', () => {
    const ecr = statements.filter(({ statement }) => asList(statement.Action).some((a) => a.startsWith('ecr:') && a !== ECR_AUTH_ACTION));
    expect(ecr.length).toBeGreaterThan(0);
    for (const { statement } of ecr) expect(statement.Resource).toEqual(repoArn(template));
  });

  it('lets each project write logs only to its own log group; the manifest project reads the arch builds\' logs', () => {
    const groupOf = (name: string): string => (projectNamed(template, name).props as CfnJson).LogsConfig.CloudWatchLogs.GroupName.Ref as string;
    for (const [, project] of Object.entries(resourcesOfType(template, 'AWS::CodeBuild::Project'))) {
      const name = project.Properties!.Name as string;
      const logs = projectStatements(template, name).filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
      const write = { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [groupOf(name), 'Arn'] } };
      if (name !== 'multi-arch-test-manifest') expect(logs).toEqual([write]);
      else {
        expect(logs).toEqual([
          write,
          { Sid: 'ReadArchBuildLogs', Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: ['multi-arch-test-amd64', 'multi-arch-test-arm64'].map((n) => ({ 'Fn::GetAtt': [groupOf(n), 'Arn'] })) },
        ]);
      }
    }
  });
});

describe('ECR permissions per project', () => {
  const { template } = synthStack({ batch: 'true' });
  const ecrActions = (name: string): string[] =>
    projectStatements(template, name)
      .flatMap((s) => asList(s.Action))
      .filter((a) => a.startsWith('ecr:'))
      .sort();

  it('per-arch projects (and the batch project that runs them) may push layers and images', () => {
    const push = [ECR_AUTH_ACTION, ...ECR_READ_ACTIONS, ...ECR_LAYER_UPLOAD_ACTIONS, ...ECR_PUT_ACTIONS].sort();
    expect(push).toEqual(
      [
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:DescribeImages',
        'ecr:ListImages',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ].sort(),
    );
    for (const name of ['multi-arch-test-amd64', 'multi-arch-test-arm64']) expect(ecrActions(name)).toEqual(push);
    // The batch project also runs the manifest build: it removes run tags after publishing.
    expect(ecrActions('multi-arch-test-pipeline')).toEqual([...push, 'ecr:BatchDeleteImage'].sort());
  });

  it('per-arch projects cannot delete or untag images', () => {
    for (const name of ['multi-arch-test-amd64', 'multi-arch-test-arm64']) expect(ecrActions(name)).not.toContain('ecr:BatchDeleteImage');
  });

  it('the manifest project reads, puts and untags manifests but cannot upload layers', () => {
    const actions = ecrActions('multi-arch-test-manifest');
    expect(actions).toEqual([ECR_AUTH_ACTION, ...ECR_READ_ACTIONS, ...ECR_PUT_ACTIONS, ...ECR_UNTAG_ACTIONS].sort());
    for (const upload of ECR_LAYER_UPLOAD_ACTIONS) expect(actions).not.toContain(upload);
  });
});

describe('CodeBuild reads (the batch manifest build reads its siblings\' exported digests)', () => {
  const { template } = synthStack({ batch: 'true' });
  const codebuildActions = (name: string): Statement[] => projectStatements(template, name).filter((s) => asList(s.Action).some((a) => a.startsWith('codebuild:')));

  it('the batch project may read builds of its own project only; the arch projects none', () => {
    expect(codebuildActions('multi-arch-test-pipeline')).toEqual([
      {
        Sid: 'ReadOwnBatch',
        Effect: 'Allow',
        Action: ['codebuild:BatchGetBuildBatches', 'codebuild:BatchGetBuilds'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codebuild:us-east-1:123456789012:project/multi-arch-test-pipeline']] },
      },
    ]);
    for (const name of ['multi-arch-test-amd64', 'multi-arch-test-arm64']) expect(codebuildActions(name)).toEqual([]);
  });

  it('the manifest project (the signer) drives the arch builds, never with an inline buildspec, and nothing else', () => {
    const archArns = ['multi-arch-test-amd64', 'multi-arch-test-arm64'].map((n) => ({ 'Fn::GetAtt': [projectNamed(template, n).id, 'Arn'] }));
    expect(codebuildActions('multi-arch-test-manifest')).toEqual([
      { Sid: 'DriveArchBuilds', Effect: 'Allow', Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'], Resource: archArns },
      { Sid: 'NoBuildspecOverride', Effect: 'Deny', Action: 'codebuild:StartBuild', Resource: archArns, Condition: { Null: { 'codebuild:source.buildspec': 'false' } } },
    ]);
    // and the arch roles cannot start anything, so no build can make the signer run
    for (const name of ['multi-arch-test-amd64', 'multi-arch-test-arm64', 'multi-arch-test-pipeline']) {
      expect(projectStatements(template, name).flatMap((s) => asList(s.Action))).not.toContain('codebuild:StartBuild');
    }
  });
});

describe('source permissions', () => {
  it('GitHub: none in IAM (the account source credential is used)', () => {
    const { template } = synthStack();
    const actions = projectStatements(template, 'multi-arch-test-amd64').flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => !a.startsWith('ecr:') && !a.startsWith('logs:'))).toEqual([]);
  });

  it('CodeCommit: GitPull on that repository only', () => {
    const { template } = synthStack({ source: 'codecommit:multi-arch-src' });
    const source = projectStatements(template, 'multi-arch-test-manifest').filter((s) => s.Sid?.startsWith('Source'));
    expect(source).toEqual([
      {
        Sid: 'SourceGitPull',
        Effect: 'Allow',
        Action: 'codecommit:GitPull',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codecommit:us-east-1:123456789012:multi-arch-src']] },
      },
    ]);
  });

  it('S3: that object and its bucket metadata only', () => {
    const { template } = synthStack({ source: 's3://build-sources/multiarch/source.zip' });
    const source = projectStatements(template, 'multi-arch-test-arm64').filter((s) => s.Sid?.startsWith('Source'));
    const arn = (suffix: string): CfnJson => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${suffix}`]] });
    expect(source).toEqual([
      { Sid: 'SourceObject', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: arn('build-sources/multiarch/source.zip') },
      { Sid: 'SourceBucket', Effect: 'Allow', Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'], Resource: arn('build-sources') },
    ]);
  });
});
