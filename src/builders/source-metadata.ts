import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** What the OCI labels say about the source: taken from git so a rebuild is reproducible. */
export interface SourceMetadata {
  readonly version: string;
  /** Commit SHA, or `unknown` outside a git checkout. */
  readonly revision: string;
  /** RFC 3339 commit time (not build time: identical inputs give identical images). */
  readonly created: string;
  /**
   * Where the source can be browsed (https), from package.json `repository` or the git
   * remote `origin`; undefined when neither says (the label is then left empty, never guessed).
   */
  readonly source?: string;
}

export async function readSourceMetadata(projectDir: string): Promise<SourceMetadata> {
  const pkg = JSON.parse(await readFile(join(projectDir, 'package.json'), 'utf8')) as { version?: string; repository?: { url?: string } | string };
  const git = async (...args: string[]): Promise<string | undefined> => {
    const result = await execa('git', ['-C', projectDir, ...args], { reject: false });
    return result.exitCode === 0 && typeof result.stdout === 'string' && result.stdout ? result.stdout.trim() : undefined;
  };
  const revision = (await git('rev-parse', 'HEAD')) ?? 'unknown';
  const created = (await git('log', '-1', '--format=%cI')) ?? new Date(0).toISOString();
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const source = browsableSourceUrl(repository) ?? browsableSourceUrl(await git('remote', 'get-url', 'origin'));
  return {
    version: pkg.version ?? '0.0.0',
    revision,
    created: new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(source ? { source } : {}),
  };
}

/**
 * A repository URL as a public https address: `git+`, `.git`, credentials and ssh forms
 * (`git@host:owner/repo`, `ssh://git@host/owner/repo`) normalised; local paths and
 * anything else that is not a web address give undefined.
 */
export function browsableSourceUrl(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const trimmed = remote.trim().replace(/^git\+/, '');
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+)$/.exec(trimmed);
  let url: URL;
  try {
    url = new URL(scp ? `https://${scp[1]}/${scp[2]}` : trimmed);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol) || !url.hostname.includes('.')) return undefined;
  const path = url.pathname.replace(/\.git$/, '').replace(/\/+$/, '');
  if (!path || path === '/') return undefined;
  return `https://${url.hostname}${path}`;
}
