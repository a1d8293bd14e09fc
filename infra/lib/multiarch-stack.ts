import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type { Construct } from 'constructs';
import type { Arch } from '../../src/arch.js';
import { batchProjectName, buildProjectName, manifestProjectName } from '../../src/aws/project-names.js';
import { BatchBuildProject } from './batch-project.js';
import { ImageBuildProject } from './build-project.js';
import { BuildSource } from './build-source.js';
import { archBuildVariables, batchVariables, BUILD_ARCHES, manifestVariables } from './build-variables.js';
import type { VariableContext } from './build-variables.js';
import { batchReadStatement, driveArchBuildsStatements } from './codebuild-access.js';
import { ecrBatchStatement, ecrIndexStatement, ecrLoginStatement, ecrPushStatement } from './ecr-access.js';
import { ImageRepository } from './image-repository.js';
import { RebuildSchedule } from './rebuild-schedule.js';
import { SigningKey } from './signing-key.js';
import type { StackConfig } from './stack-config.js';

/** Buildspec file names, read from the source at build time (owned by the buildspec work). */
export const BUILDSPEC_FILES = Object.freeze({
  arch: 'buildspec.yml',
  manifest: 'buildspec-manifest.yml',
  batch: 'buildspec-batch.yml',
});

/**
 * Build hosts per arch: the standard Amazon Linux images CodeBuild maintains, one x86_64 and
 * one aarch64 (Graviton), both Amazon Linux 2023 based despite the `amazonlinux2` image name.
 */
export const ARCH_ENVIRONMENTS: Readonly<Record<Arch, { buildImage: codebuild.IBuildImage; computeType: codebuild.ComputeType }>> = {
  // MEDIUM (4 vCPU, 7 GB): the image build is mostly apt downloads, not compilation.
  amd64: { buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2_5, computeType: codebuild.ComputeType.MEDIUM },
  // LARGE: the ARM size CodeBuild has offered longest and in most regions (CDK's default).
  arm64: { buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2_STANDARD_3_0, computeType: codebuild.ComputeType.LARGE },
};

/** The manifest build only talks to the registry: the smallest x86_64 host. */
export const MANIFEST_ENVIRONMENT = Object.freeze({
  buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2_5,
  computeType: codebuild.ComputeType.SMALL,
});

export const TIMEOUTS = Object.freeze({
  archBuild: Duration.minutes(60),
  // In release mode (MANIFEST_SOURCES=builds, the schedule) it waits for both arch builds.
  manifest: Duration.minutes(90),
  batch: Duration.minutes(90),
});

/** Stack output ids, for `aws cloudformation describe-stacks` and the tests. */
export const OUTPUT_IDS = Object.freeze({
  repositoryUri: 'RepositoryUri',
  repositoryName: 'RepositoryName',
  archProject: Object.freeze({ amd64: 'Amd64ProjectName', arm64: 'Arm64ProjectName' } satisfies Record<Arch, string>),
  manifestProject: 'ManifestProjectName',
  batchProject: 'BatchProjectName',
  schedule: 'RebuildScheduleName',
  signingKey: 'SigningKeyArn',
});

export interface MultiarchStackProps extends StackProps {
  readonly config: StackConfig;
}

/**
 * The AWS side of the original pipeline: one ECR repository and the CodeBuild projects that
 * build each arch natively and then publish the multi-arch index, plus an optional batch
 * project that runs all three as one build graph.
 */
export class MultiarchStack extends Stack {
  readonly repository: ImageRepository;
  readonly archProjects: Readonly<Record<Arch, ImageBuildProject>>;
  readonly manifestProject: ImageBuildProject;
  readonly batchProject: BatchBuildProject | undefined;
  readonly rebuildSchedule: RebuildSchedule | undefined;
  readonly signingKey: SigningKey;

  constructor(scope: Construct, id: string, props: MultiarchStackProps) {
    super(scope, id, props);
    const { config } = props;

    if (config.sourceIsPlaceholder) {
      Annotations.of(this).addWarningV2(
        'multiarch:placeholder-source',
        'No build source configured: the projects point at a placeholder GitHub repository. Deploy with -c source=github:owner/repo@branch (or codecommit:name@branch, s3://bucket/key).',
      );
    }

    this.repository = new ImageRepository(this, 'Images', { repositoryName: config.repositoryName, tag: config.tag, existing: config.existingRepository });
    const repository = this.repository.repository;
    const source = new BuildSource(this, 'Source', config.source);
    const ctx: VariableContext = {
      accountId: this.account,
      // Environment-agnostic: the region the stack is deployed to.
      region: config.region ?? this.region,
      repositoryName: config.repositoryName,
      tag: config.tag,
      baseImage: config.baseImage,
      baseDigest: config.baseDigest,
    };
    const common = { source: source.source, logRetentionDays: config.logRetentionDays };
    const pushStatements = [ecrLoginStatement(), ecrPushStatement(repository), ...source.statements];

    const archProjects = {} as Record<Arch, ImageBuildProject>;
    for (const arch of BUILD_ARCHES) {
      const name = buildProjectName(config.repositoryName, arch);
      archProjects[arch] = new ImageBuildProject(this, `Build-${arch}`, {
        ...common,
        ...ARCH_ENVIRONMENTS[arch],
        projectName: name,
        description: `Builds and pushes the linux/${arch} image to ${config.repositoryName}`,
        buildSpecFile: BUILDSPEC_FILES.arch,
        variables: archBuildVariables(ctx, arch),
        statements: pushStatements,
        timeout: TIMEOUTS.archBuild,
      });
      new CfnOutput(this, OUTPUT_IDS.archProject[arch], { value: name, description: `CodeBuild project for linux/${arch}` });
    }
    this.archProjects = archProjects;

    this.signingKey = new SigningKey(this, 'Signing', { description: `Signs the published ${config.repositoryName} images (cosign, by digest)` });
    this.manifestProject = new ImageBuildProject(this, 'Manifest', {
      ...common,
      ...MANIFEST_ENVIRONMENT,
      projectName: manifestProjectName(config.repositoryName),
      description: `Publishes the multi-arch index of ${config.repositoryName}`,
      buildSpecFile: BUILDSPEC_FILES.manifest,
      // The key ARN is the only signing setting: buildspec-manifest.yml signs when it is set.
      variables: { ...manifestVariables(ctx), SIGNING_KEY_ARN: this.signingKey.key.keyArn },
      // The only role with kms:Sign on the release key; in release mode it starts the arch
      // builds itself (the signer drives the builds, no build can make it sign).
      statements: [
        ecrLoginStatement(),
        ecrIndexStatement(repository),
        this.signingKey.signStatement(),
        ...driveArchBuildsStatements(BUILD_ARCHES.map((arch) => ({ projectArn: archProjects[arch].project.projectArn, logGroupArn: archProjects[arch].logGroup.logGroupArn }))),
        ...source.statements,
      ],
      timeout: TIMEOUTS.manifest,
    });
    new CfnOutput(this, OUTPUT_IDS.manifestProject, { value: manifestProjectName(config.repositoryName), description: 'CodeBuild project that publishes the index' });

    if (config.schedule) {
      this.rebuildSchedule = new RebuildSchedule(this, 'Rebuild', {
        projectName: manifestProjectName(config.repositoryName),
        projectArn: this.manifestProject.project.projectArn,
        expression: config.schedule,
      });
      new CfnOutput(this, OUTPUT_IDS.schedule, { value: this.rebuildSchedule.schedule.scheduleName, description: `EventBridge schedule of the security rebuild (${config.schedule})` });
    }

    // The batch graph publishes unsigned: its builds share one role, which must not sign.
    if (config.batch) {
      const name = batchProjectName(config.repositoryName);
      // Built from the name, not read from the project: the project depends on its role's
      // policy, so the policy cannot refer to the project's own attributes.
      const projectArn = this.formatArn({ service: 'codebuild', resource: 'project', resourceName: name });
      this.batchProject = new BatchBuildProject(this, 'Batch', {
        ...common,
        ...MANIFEST_ENVIRONMENT,
        projectName: name,
        description: `Runs the whole ${config.repositoryName} pipeline as one batch build graph`,
        buildSpecFile: BUILDSPEC_FILES.batch,
        variables: batchVariables(ctx),
        // Every build of the graph runs under this role: arch builds push layers, the manifest
        // build publishes and reads its siblings' exported digests from the batch.
        statements: [ecrLoginStatement(), ecrBatchStatement(repository), batchReadStatement(projectArn), ...source.statements],
        computeTypesAllowed: [...new Set([MANIFEST_ENVIRONMENT.computeType, ...BUILD_ARCHES.map((a) => ARCH_ENVIRONMENTS[a].computeType)])],
        maximumBuildsAllowed: BUILD_ARCHES.length + 1,
        batchTimeout: TIMEOUTS.batch,
        buildTimeout: TIMEOUTS.archBuild,
      });
      new CfnOutput(this, OUTPUT_IDS.batchProject, { value: name, description: 'CodeBuild batch project (StartBuildBatch); publishes unsigned' });
    }

    new CfnOutput(this, OUTPUT_IDS.signingKey, { value: this.signingKey.key.keyArn, description: 'KMS key that signs releases: cosign verify --key awskms:///<arn>' });
    new CfnOutput(this, OUTPUT_IDS.repositoryUri, { value: repository.repositoryUri, description: 'ECR repository URI' });
    new CfnOutput(this, OUTPUT_IDS.repositoryName, { value: config.repositoryName, description: 'ECR repository name (IMAGE_REPO_NAME)' });
  }
}
