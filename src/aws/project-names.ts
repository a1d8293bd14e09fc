import type { Arch } from '../arch.js';

/**
 * The one naming convention shared by the CDK app, the Jenkinsfile, the batch buildspec
 * and the CodeBuild builder, so the four cannot drift: `<repo>-amd64`, `<repo>-arm64`,
 * `<repo>-manifest` (the original used `multi-arch-test` as the repository name).
 */
export const DEFAULT_REPOSITORY_NAME = 'multi-arch-test';
export const DEFAULT_REGION = 'us-east-1';

export function buildProjectName(repositoryName: string, arch: Arch): string {
  return `${repositoryName}-${arch}`;
}

export function manifestProjectName(repositoryName: string): string {
  return `${repositoryName}-manifest`;
}

export function batchProjectName(repositoryName: string): string {
  return `${repositoryName}-pipeline`;
}

/** `123456789012.dkr.ecr.us-east-1.amazonaws.com` */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}
