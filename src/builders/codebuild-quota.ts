import { HostSetupError } from '../errors.js';

/**
 * CodeBuild answers StartBuild with `AccountLimitExceededException` when the account is at a
 * quota, typically on a new account whose "concurrently running builds" quotas start at 0 or
 * 1 per compute type ("Cannot have more than 0 builds in queue for the account"). Retrying
 * does not help; the quota must be raised. Named by its AWS error code, like the SDK does.
 */
export function isAccountLimit(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'AccountLimitExceededException';
}

/**
 * One line: which quota, what AWS said, how to raise it. The account lacks something the
 * run needs, as a host lacks a package: a setup error, not a failed build.
 */
export function accountLimitError(project: string, error: unknown): HostSetupError {
  const said = error instanceof Error ? error.message : String(error);
  return new HostSetupError(
    `CodeBuild refused to start ${project}: the account is at its CodeBuild build quota (AWS: "${said}"). ` +
      'New accounts start with "Concurrently running builds" quotas of 0-1 per compute type: raise the one for this project\'s compute type in ' +
      'Service Quotas > AWS services > AWS CodeBuild (list them with `aws service-quotas list-service-quotas --service-code codebuild`, ' +
      'request with `aws service-quotas request-service-quota-increase --service-code codebuild --quota-code <code> --desired-value <n>`), then run again',
    { cause: error },
  );
}
