import { execFile } from 'node:child_process';
import { copyFile, mkdir, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How a local build gets its source, in place of CodeBuild's DOWNLOAD_SOURCE:
 * - `working-tree` (default): the files git would see in `sourceDir` — tracked plus
 *   untracked-not-ignored, as they are on disk now — copied into a fresh directory, so a
 *   build sees in-progress work but never writes into the developer's checkout;
 * - `git-head`: `git archive HEAD`, what a push would build;
 * - a directory that is not a git repository is copied whole.
 */
export type SourceMode = 'working-tree' | 'git-head';

export interface PrepareSourceOptions {
  readonly mode?: SourceMode;
  /**
   * Symlink `<sourceDir>/node_modules` into the copy (default true when it exists), so a
   * buildspec that skips `npm ci` when node_modules is present runs offline and fast
   * without ever touching the developer's node_modules through `npm ci`.
   */
  readonly linkNodeModules?: boolean;
}

export interface PreparedSource {
  readonly dir: string;
  /** `git rev-parse HEAD` of the source, or 40 zeros outside git. */
  readonly resolvedSourceVersion: string;
}

export async function prepareSource(sourceDir: string, dest: string, options: PrepareSourceOptions = {}): Promise<PreparedSource> {
  await mkdir(dest, { recursive: true });
  const head = await gitHead(sourceDir);
  if (!head) {
    await run('cp', ['-a', `${sourceDir}/.`, dest]);
  } else if (options.mode === 'git-head') {
    await run('bash', ['-o', 'pipefail', '-c', 'git -C "$1" archive --format=tar HEAD | tar -x -C "$2"', 'archive', sourceDir, dest]);
  } else {
    const { stdout } = await run('git', ['-C', sourceDir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 64 * 1024 * 1024 });
    const files = [...new Set(stdout.split('\0').filter(Boolean))];
    for (const file of files) {
      const from = join(sourceDir, file);
      // ls-files --cached lists tracked files deleted on disk; the working tree wins.
      const info = await stat(from).catch(() => undefined);
      if (!info?.isFile()) continue;
      const to = join(dest, file);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
      if (info.mode & 0o111) await run('chmod', ['+x', to]);
    }
  }
  const nodeModules = join(sourceDir, 'node_modules');
  const haveNodeModules = (await stat(nodeModules).catch(() => undefined))?.isDirectory() ?? false;
  const destHasNodeModules = (await stat(join(dest, 'node_modules')).catch(() => undefined)) !== undefined;
  if ((options.linkNodeModules ?? true) && haveNodeModules && !destHasNodeModules) await symlink(nodeModules, join(dest, 'node_modules'));
  return { dir: dest, resolvedSourceVersion: head ?? '0'.repeat(40) };
}

async function gitHead(dir: string): Promise<string | undefined> {
  try {
    const { stdout: top } = await run('git', ['-C', dir, 'rev-parse', '--show-toplevel']);
    const [a, b] = await Promise.all([stat(top.trim()), stat(dir)]);
    // Only the repository root counts: a temp dir nested in some checkout is not "the repo".
    if (a.ino !== b.ino || a.dev !== b.dev) return undefined;
    const { stdout } = await run('git', ['-C', dir, 'rev-parse', 'HEAD']);
    return stdout.trim();
  } catch {
    return undefined;
  }
}
