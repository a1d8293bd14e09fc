import { execa } from 'execa';
import { CancelledError } from '../errors.js';

/** Where a build's source came from, as git says; fields git cannot tell are absent. */
export interface GitSource {
  /** The `origin` remote's URL (credentials stripped), absent with no such remote. */
  readonly repository?: string;
  /** `HEAD` commit SHA, absent outside a git checkout. */
  readonly commit?: string;
  /** The branch checked out (`refs/heads/main`), absent on a detached HEAD. */
  readonly ref?: string;
  /** True when tracked files differ from the commit: the image may not be that commit. */
  readonly dirty?: boolean;
}

/** Drops `user:password@` from an https remote: provenance is public. */
export function stripCredentials(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]+@/, '$1');
}

/**
 * Reads the source identity of `projectDir` from git: remote `origin`, HEAD, branch and
 * whether the tree is dirty. Nothing is invented: outside a checkout the result is empty.
 */
export async function readGitSource(projectDir: string, signal?: AbortSignal): Promise<GitSource> {
  const git = async (...args: string[]): Promise<string | undefined> => {
    const result = await execa('git', ['-C', projectDir, ...args], { reject: false, cancelSignal: signal });
    if (signal?.aborted) throw new CancelledError('reading the git source cancelled', { cause: signal.reason });
    return result.exitCode === 0 ? String(result.stdout).trim() || undefined : undefined;
  };
  const commit = await git('rev-parse', '--verify', 'HEAD');
  if (!commit) return {};
  const [remote, ref, status] = await Promise.all([git('remote', 'get-url', 'origin'), git('symbolic-ref', '-q', 'HEAD'), git('status', '--porcelain', '--untracked-files=no')]);
  return { commit, dirty: status !== undefined, ...(remote ? { repository: stripCredentials(remote) } : {}), ...(ref ? { ref } : {}) };
}
