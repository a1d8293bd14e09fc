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
  readonly source: string;
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
  return {
    version: pkg.version ?? '0.0.0',
    revision,
    created: new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    source: repository?.replace(/^git\+/, '').replace(/\.git$/, '') ?? 'https://github.com/puppeteer-multiarch/puppeteer-multiarch',
  };
}
