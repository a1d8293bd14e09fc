import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildVariables } from './build-variables.js';

export interface ImageBuildProjectProps {
  readonly projectName: string;
  readonly description: string;
  readonly buildImage: codebuild.IBuildImage;
  readonly computeType: codebuild.ComputeType;
  /** Read from the source at build time (`buildspec.yml`, `buildspec-manifest.yml`…). */
  readonly buildSpecFile: string;
  readonly source: codebuild.ISource;
  readonly variables: BuildVariables;
  /** What the build may do besides writing its own logs (ECR, source fetch). */
  readonly statements: readonly iam.PolicyStatement[];
  readonly logRetentionDays: number;
  readonly timeout: Duration;
}

/**
 * One CodeBuild project with its own role, its own log group and nothing else.
 *
 * The role is handed to CodeBuild immutable: CDK would otherwise add a logs grant for a
 * second, default log group (with `logs:CreateLogGroup`), report-group permissions this
 * project never uses, and broad source grants. The exact policy lives in `Policy` instead.
 */
export class ImageBuildProject extends Construct {
  readonly project: codebuild.Project;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: ImageBuildProjectProps) {
    super(scope, id);

    // The default CodeBuild name, so the console and `aws logs tail` find it where expected.
    // DESTROY with the stack: a retained group of this fixed name would make a redeploy fail.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/codebuild/${props.projectName}`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: `Service role of the ${props.projectName} CodeBuild project`,
    });

    this.policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // `Arn` of a log group already ends in `:*` (its streams); nothing wider is granted.
          resources: [this.logGroup.logGroupArn],
        }),
        ...props.statements,
      ],
    });

    this.project = new codebuild.Project(this, 'Project', {
      projectName: props.projectName,
      description: props.description,
      role: this.role.withoutPolicyUpdates(),
      source: props.source,
      buildSpec: codebuild.BuildSpec.fromSourceFilename(props.buildSpecFile),
      environment: {
        buildImage: props.buildImage,
        computeType: props.computeType,
        // Docker-in-Docker: the build runs `docker build` / `docker login` against dockerd.
        privileged: true,
      },
      environmentVariables: Object.fromEntries(
        Object.entries(props.variables).map(([name, value]) => [name, { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value }]),
      ),
      logging: { cloudWatch: { logGroup: this.logGroup } },
      timeout: props.timeout,
      grantReportGroupPermissions: false,
      badge: false,
    });
    // The policy must exist before the first build can use the role.
    this.project.node.addDependency(this.policy);

    this.suppressReviewedFindings();
  }

  /** Findings reviewed and accepted; each reason is why the rule cannot be met here. */
  private suppressReviewedFindings(): void {
    const project = Validations.of(this.project);
    project.acknowledge({
      id: 'AwsSolutions-CB4',
      reason: 'The project produces no build artifacts and no S3 cache; its only output is images in ECR, encrypted at rest there.',
    });
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only ecr:GetAuthorizationToken is on "*": IAM offers no resource-level permission for it (the token covers the registry). Every other ECR action is on the repository ARN.',
    });
  }
}
