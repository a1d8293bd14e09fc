import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildProjectName, DEFAULT_REPOSITORY_NAME, manifestProjectName, batchProjectName } from '../../src/aws/project-names.js';
import { projectNamed, resourcesOfType, synthStack, TEST_ACCOUNT, variablesOf } from './support/synth-stack.js';

const BASE_IMAGE = 'public.ecr.aws/docker/library/debian:trixie-slim';

// The original pipeline's variables table, written out here (not derived from the code under
// test), plus MANIFEST_TAG, which this project adds to the manifest project, and BASE_IMAGE
// (ECR Public, not Docker Hub) on the image builds.
const ORIGINAL_TABLE = {
  [buildProjectName(DEFAULT_REPOSITORY_NAME, 'arm64')]: {
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCOUNT_ID: TEST_ACCOUNT,
    IMAGE_REPO_NAME: 'multi-arch-test',
    IMAGE_TAG: 'latest-arm64v8',
    IMAGE_ARCH: 'arm64v8',
    BASE_IMAGE,
  },
  [buildProjectName(DEFAULT_REPOSITORY_NAME, 'amd64')]: {
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCOUNT_ID: TEST_ACCOUNT,
    IMAGE_REPO_NAME: 'multi-arch-test',
    IMAGE_TAG: 'latest-amd64',
    IMAGE_ARCH: 'amd64',
    BASE_IMAGE,
  },
  [manifestProjectName(DEFAULT_REPOSITORY_NAME)]: {
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCOUNT_ID: TEST_ACCOUNT,
    IMAGE_REPO_NAME: 'multi-arch-test',
    MANIFEST_TAG: 'latest',
  },
};

describe('ECR repository', () => {
  const { template } = synthStack();

  it('is the one repository, named as the original, scanned on push, AES256, tags mutable', () => {
    template.resourceCountIs('AWS::ECR::Repository', 1);
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'multi-arch-test',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'MUTABLE',
      EncryptionConfiguration: { EncryptionType: 'AES256' },
    });
  });

  it('is retained when the stack is deleted', () => {
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  const lifecycle = (t: typeof template): { rules: unknown[] } => {
    const repo = Object.values(resourcesOfType(t, 'AWS::ECR::Repository'))[0]!;
    return JSON.parse((repo.Properties as { LifecyclePolicy: { LifecyclePolicyText: string } }).LifecyclePolicy.LifecyclePolicyText);
  };

  it('keeps the published tag, then expires run tags after a day and untagged images after 14 days', () => {
    expect(lifecycle(template).rules).toEqual([
      // First: selects every image carrying the published tag, expires none of them, and so
      // shields them from the run-tag rule below (ECR: an image a higher-priority rule
      // selects cannot be expired by a lower one).
      {
        rulePriority: 1,
        description: expect.stringContaining('latest*'),
        selection: { tagStatus: 'tagged', tagPatternList: ['latest*'], countType: 'imageCountMoreThan', countNumber: 9999 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: expect.stringContaining('run-*'),
        selection: { tagStatus: 'tagged', tagPatternList: ['run-*'], countType: 'sinceImagePushed', countNumber: 1, countUnit: 'days' },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: expect.any(String),
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
        action: { type: 'expire' },
      },
    ]);
  });

  it('protects the configured tag, whatever it is', () => {
    const rules = lifecycle(synthStack({ tag: 'v1' }).template).rules as { selection: { tagPatternList?: string[] } }[];
    expect(rules[0]!.selection.tagPatternList).toEqual(['v1*']);
  });
});

describe('existing repository (-c existingRepository=true)', () => {
  const { template } = synthStack({ existingRepository: 'true' });

  it('creates no repository and grants on the one of that name', () => {
    template.resourceCountIs('AWS::ECR::Repository', 0);
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:123456789012:repository/multi-arch-test']] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'EcrPushImage', Resource: arn })]) },
    });
    template.hasOutput('RepositoryUri', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });
});

describe('CodeBuild projects', () => {
  const { template } = synthStack({ schedule: 'off' });

  it('are exactly the amd64, arm64 and manifest projects without batch or schedule', () => {
    const names = Object.values(resourcesOfType(template, 'AWS::CodeBuild::Project')).map((r) => r.Properties?.Name);
    expect(names.sort()).toEqual(['multi-arch-test-amd64', 'multi-arch-test-arm64', 'multi-arch-test-manifest']);
  });

  it.each(Object.entries(ORIGINAL_TABLE))('%s has exactly the variables of the original table', (name, expected) => {
    const { props } = projectNamed(template, name);
    const { SIGNING_KEY_ARN, ...rest } = variablesOf(props);
    expect(rest).toEqual(expected);
    // The release key's ARN, on the manifest project only (it signs before moving tags).
    if (name.endsWith('-manifest')) expect(SIGNING_KEY_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SigningKey/), 'Arn'] });
    else expect(SIGNING_KEY_ARN).toBeUndefined();
    for (const v of props.Environment.EnvironmentVariables) expect(v.Type).toBe('PLAINTEXT');
  });

  it('builds amd64 on the x86_64 standard Amazon Linux image, MEDIUM, privileged, buildspec.yml', () => {
    const { props } = projectNamed(template, 'multi-arch-test-amd64');
    expect(props.Environment).toMatchObject({
      Type: 'LINUX_CONTAINER',
      Image: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0',
      ComputeType: 'BUILD_GENERAL1_MEDIUM',
      PrivilegedMode: true,
      ImagePullCredentialsType: 'CODEBUILD',
    });
    expect(props.Source.BuildSpec).toBe('buildspec.yml');
    expect(props.TimeoutInMinutes).toBe(60);
  });

  it('builds arm64 on the aarch64 standard Amazon Linux image, LARGE, privileged, buildspec.yml', () => {
    const { props } = projectNamed(template, 'multi-arch-test-arm64');
    expect(props.Environment).toMatchObject({
      Type: 'ARM_CONTAINER',
      Image: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0',
      ComputeType: 'BUILD_GENERAL1_LARGE',
      PrivilegedMode: true,
    });
    expect(props.Source.BuildSpec).toBe('buildspec.yml');
    expect(props.TimeoutInMinutes).toBe(60);
  });

  it('publishes the index from a SMALL privileged x86_64 host with buildspec-manifest.yml', () => {
    const { props } = projectNamed(template, 'multi-arch-test-manifest');
    expect(props.Environment).toMatchObject({
      Type: 'LINUX_CONTAINER',
      Image: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0',
      ComputeType: 'BUILD_GENERAL1_SMALL',
      PrivilegedMode: true,
    });
    expect(props.Source.BuildSpec).toBe('buildspec-manifest.yml');
    // release mode waits for both arch builds (60 min each, in parallel)
    expect(props.TimeoutInMinutes).toBe(90);
  });

  it('take the source from the configured GitHub repository and branch, without a webhook', () => {
    for (const name of Object.keys(ORIGINAL_TABLE)) {
      const { props } = projectNamed(template, name);
      expect(props.Source).toMatchObject({ Type: 'GITHUB', Location: 'https://github.com/example-org/puppeteer-multiarch.git' });
      expect(props.SourceVersion).toBe('main');
      expect(props.Triggers).toEqual({ Webhook: false });
      expect(props.Artifacts).toEqual({ Type: 'NO_ARTIFACTS' });
    }
  });

  it('each log to their own log group, /aws/codebuild/<project>, kept 30 days', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(3);
    for (const name of Object.keys(ORIGINAL_TABLE)) {
      const { props } = projectNamed(template, name);
      const groupId = props.LogsConfig.CloudWatchLogs.GroupName.Ref as string;
      expect(props.LogsConfig.CloudWatchLogs.Status).toBe('ENABLED');
      expect(groups[groupId]?.Properties).toEqual({ LogGroupName: `/aws/codebuild/${name}`, RetentionInDays: 30 });
    }
  });

  it('each run under a role of their own', () => {
    const roles = Object.keys(ORIGINAL_TABLE).map((name) => projectNamed(template, name).props.ServiceRole['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(3);
  });
});

describe('batch project (batch=true)', () => {
  const { template } = synthStack({ batch: 'true' });
  const { props } = projectNamed(template, batchProjectName(DEFAULT_REPOSITORY_NAME));

  it('reads buildspec-batch.yml with the manifest variables and the base image as defaults', () => {
    expect(props.Source.BuildSpec).toBe('buildspec-batch.yml');
    expect(variablesOf(props)).toEqual({ ...ORIGINAL_TABLE['multi-arch-test-manifest'], BASE_IMAGE });
    expect(props.Environment.PrivilegedMode).toBe(true);
  });

  it('has a batch config: own service role, bounded builds, compute types and time', () => {
    expect(props.BuildBatchConfig).toEqual({
      ServiceRole: { 'Fn::GetAtt': [expect.stringMatching(/BatchServiceRole/), 'Arn'] },
      CombineArtifacts: false,
      TimeoutInMins: 90,
      Restrictions: {
        ComputeTypesAllowed: ['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE'],
        MaximumBuildsAllowed: 3,
      },
    });
  });

  it('lets its batch service role start, stop and retry builds of itself only', () => {
    const roleId = props.BuildBatchConfig.ServiceRole['Fn::GetAtt'][0] as string;
    const projectId = projectNamed(template, batchProjectName(DEFAULT_REPOSITORY_NAME)).id;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['codebuild:RetryBuild', 'codebuild:StartBuild', 'codebuild:StopBuild'],
            Resource: { 'Fn::GetAtt': [projectId, 'Arn'] },
          },
        ],
      },
    });
  });

  it('adds a fourth log group and an output', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.hasOutput('BatchProjectName', { Value: 'multi-arch-test-pipeline' });
  });
});

describe('stack outputs', () => {
  const { template } = synthStack({ schedule: 'off' });

  it('name the repository URI and every project', () => {
    template.hasOutput('RepositoryUri', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    template.hasOutput('RepositoryName', { Value: 'multi-arch-test' });
    template.hasOutput('Amd64ProjectName', { Value: 'multi-arch-test-amd64' });
    template.hasOutput('Arm64ProjectName', { Value: 'multi-arch-test-arm64' });
    template.hasOutput('ManifestProjectName', { Value: 'multi-arch-test-manifest' });
    expect(template.findOutputs('BatchProjectName')).toEqual({});
  });
});

describe('configuration through context', () => {
  it('renames everything from repositoryName and derives per-arch tags from tag', () => {
    const { template } = synthStack({ repositoryName: 'chromium', tag: 'v2', region: 'eu-west-1', logRetentionDays: '7' });
    template.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'chromium' });
    expect(variablesOf(projectNamed(template, 'chromium-arm64').props)).toMatchObject({ IMAGE_TAG: 'v2-arm64v8', AWS_DEFAULT_REGION: 'eu-west-1', IMAGE_REPO_NAME: 'chromium' });
    expect(variablesOf(projectNamed(template, 'chromium-amd64').props)).toMatchObject({ IMAGE_TAG: 'v2-amd64' });
    expect(variablesOf(projectNamed(template, 'chromium-manifest').props)).toMatchObject({ MANIFEST_TAG: 'v2' });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('without an account renders AWS_ACCOUNT_ID as the deploying account', () => {
    const { template } = synthStack({ account: undefined });
    expect(variablesOf(projectNamed(template, 'multi-arch-test-amd64').props).AWS_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('takes a CodeCommit source', () => {
    const { template } = synthStack({ source: 'codecommit:multi-arch-src@release' });
    const { props } = projectNamed(template, 'multi-arch-test-amd64');
    expect(props.Source.Type).toBe('CODECOMMIT');
    expect(props.SourceVersion).toBe('release');
  });

  it('takes an S3 source', () => {
    const { template } = synthStack({ source: 's3://build-sources/multiarch/source.zip' });
    const { props } = projectNamed(template, 'multi-arch-test-manifest');
    expect(props.Source).toMatchObject({ Type: 'S3', Location: 'build-sources/multiarch/source.zip', BuildSpec: 'buildspec-manifest.yml' });
  });
});

describe('scheduled security rebuild', () => {
  it('is on by default: weekly, StartBuild of the manifest project in release mode (signed), no batch project', () => {
    const { template } = synthStack();
    expect(Object.values(resourcesOfType(template, 'AWS::CodeBuild::Project')).map((r) => r.Properties?.Name).sort()).toEqual(['multi-arch-test-amd64', 'multi-arch-test-arm64', 'multi-arch-test-manifest']);
    const schedules = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const props = schedules[0]!.Properties;
    expect(props.ScheduleExpression).toBe('rate(7 days)');
    expect(props.State).toBe('ENABLED');
    expect(props.Target.Arn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:codebuild:startBuild']] });
    expect(JSON.parse(props.Target.Input)).toEqual({ ProjectName: 'multi-arch-test-manifest', EnvironmentVariablesOverride: [{ Name: 'MANIFEST_SOURCES', Value: 'builds', Type: 'PLAINTEXT' }] });
    expect(props.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
    // Its role may start builds of that project and nothing else.
    const roleId = props.Target.RoleArn['Fn::GetAtt'][0] as string;
    const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId));
    expect(policies.flatMap((p) => p.Properties!.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: { 'Fn::GetAtt': [projectNamed(template, 'multi-arch-test-manifest').id, 'Arn'] } },
    ]);
    // the project it starts is the one that holds the signing key
    expect(variablesOf(projectNamed(template, 'multi-arch-test-manifest').props).SIGNING_KEY_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SigningKey/), 'Arn'] });
  });

  it('takes a custom expression', () => {
    const { template } = synthStack({ schedule: 'cron(0 4 ? * SUN *)' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 4 ? * SUN *)' });
  });

  it('is gone when switched off', () => {
    const { template } = synthStack({ schedule: 'off' });
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::CodeBuild::Project', 3);
  });
});

describe('base image', () => {
  it('pins BASE_DIGEST on every image build when asked', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const { template } = synthStack({ baseDigest: digest, baseImage: 'mirror.example.com/library/debian:trixie-slim', batch: 'true' });
    for (const name of ['multi-arch-test-amd64', 'multi-arch-test-arm64', 'multi-arch-test-pipeline']) {
      expect(variablesOf(projectNamed(template, name).props)).toMatchObject({ BASE_IMAGE: 'mirror.example.com/library/debian:trixie-slim', BASE_DIGEST: digest });
    }
    expect(variablesOf(projectNamed(template, 'multi-arch-test-manifest').props)).not.toHaveProperty('BASE_IMAGE');
  });
});

describe('region', () => {
  it('follows the CDK convention: context, else CDK_DEFAULT_REGION, else the deploying region', () => {
    const pinned = synthStack({ region: 'eu-central-1' });
    expect(pinned.stack.region).toBe('eu-central-1');
    const agnostic = synthStack({ region: undefined, account: undefined });
    expect(variablesOf(projectNamed(agnostic.template, 'multi-arch-test-amd64').props).AWS_DEFAULT_REGION).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('release signing key (cosign through KMS)', () => {
  const { template } = synthStack({ batch: 'true' });

  it('is an asymmetric ECC_NIST_P256 SIGN_VERIFY key, retained with the images', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }), DeletionPolicy: 'Retain' });
    template.hasOutput('SigningKeyArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SigningKey'), 'Arn'] } });
  });

  it('only the manifest project may call kms:Sign, and only on that key', () => {
    const keyId = Object.keys(resourcesOfType(template, 'AWS::KMS::Key'))[0]!;
    const roleOf = (name: string): string => projectNamed(template, name).props.ServiceRole['Fn::GetAtt'][0] as string;
    const signers = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) =>
      (p.Properties!.PolicyDocument.Statement as { Action: string | string[] }[]).some((s) => ([] as string[]).concat(s.Action).includes('kms:Sign')),
    );
    expect(signers.map((p) => (p.Properties!.Roles as { Ref: string }[]).map((r) => r.Ref)).flat()).toEqual([roleOf('multi-arch-test-manifest')]);
    const statement = (signers[0]!.Properties!.PolicyDocument.Statement as { Sid?: string }[]).find((s) => s.Sid === 'SignReleases');
    expect(statement).toEqual({ Sid: 'SignReleases', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });
});
