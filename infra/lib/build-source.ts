import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BuildSourceConfig } from './stack-config.js';

/**
 * The CodeBuild source shared by every project, and the IAM statements a project role needs
 * to fetch it. The project roles are immutable (see `ImageBuildProject`), so CDK's own broad
 * source grants (`s3:GetObject*`, `s3:List*`…) are dropped and these exact ones apply.
 */
export class BuildSource extends Construct {
  readonly source: codebuild.ISource;
  /** Empty for GitHub: CodeBuild uses the account's source credential, not the role. */
  readonly statements: readonly iam.PolicyStatement[];

  constructor(scope: Construct, id: string, config: BuildSourceConfig) {
    super(scope, id);
    switch (config.kind) {
      case 'github':
        // No webhook: runs are started by Jenkins, the batch trigger or `multiarch pipeline`.
        this.source = codebuild.Source.gitHub({ owner: config.owner, repo: config.repo, branchOrRef: config.branch, webhook: false });
        this.statements = [];
        break;
      case 'codecommit': {
        const repository = codecommit.Repository.fromRepositoryName(this, 'Repository', config.repositoryName);
        this.source = codebuild.Source.codeCommit({ repository, branchOrRef: config.branch });
        this.statements = [new iam.PolicyStatement({ sid: 'SourceGitPull', actions: ['codecommit:GitPull'], resources: [repository.repositoryArn] })];
        break;
      }
      case 's3': {
        const bucket = s3.Bucket.fromBucketName(this, 'Bucket', config.bucket);
        this.source = codebuild.Source.s3({ bucket, path: config.key });
        const partition = Stack.of(this).partition;
        this.statements = [
          new iam.PolicyStatement({
            sid: 'SourceObject',
            actions: ['s3:GetObject', 's3:GetObjectVersion'],
            resources: [`arn:${partition}:s3:::${config.bucket}/${config.key}`],
          }),
          new iam.PolicyStatement({
            sid: 'SourceBucket',
            actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
            resources: [`arn:${partition}:s3:::${config.bucket}`],
          }),
        ];
        break;
      }
    }
  }
}
