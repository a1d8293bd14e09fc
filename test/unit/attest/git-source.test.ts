import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitSource, stripCredentials } from '../../../src/attest/git-source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multiarch-git-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', ['-C', cwd, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args])).stdout;
}

describe('readGitSource', () => {
  it('outside a checkout: nothing at all, never a made-up repository', async () => {
    expect(await readGitSource(dir)).toEqual({});
  });

  it('a checkout with no remote: commit and branch, no repository', async () => {
    const repo = join(dir, 'no-remote');
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'f'), '1');
    await git(repo, 'add', 'f');
    await git(repo, 'commit', '-q', '-m', 'c');
    const head = await git(repo, 'rev-parse', 'HEAD');
    expect(await readGitSource(repo)).toEqual({ commit: head, ref: 'refs/heads/main', dirty: false });
    await writeFile(join(repo, 'f'), '2');
    expect((await readGitSource(repo)).dirty).toBe(true);
  });

  it('the origin remote with its credentials stripped; detached HEAD has no ref', async () => {
    const repo = join(dir, 'remote');
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await writeFile(join(repo, 'f'), '1');
    await git(repo, 'add', 'f');
    await git(repo, 'commit', '-q', '-m', 'c');
    await git(repo, 'remote', 'add', 'origin', 'https://user:token@git.example.test/org/repo.git');
    await git(repo, 'checkout', '-q', '--detach');
    const source = await readGitSource(repo);
    expect(source.repository).toBe('https://git.example.test/org/repo.git');
    expect(source).not.toHaveProperty('ref');
  });

  it('stripCredentials leaves ssh and credential-free URLs alone', () => {
    expect(stripCredentials('git@github.com:org/repo.git')).toBe('git@github.com:org/repo.git');
    expect(stripCredentials('https://github.com/org/repo')).toBe('https://github.com/org/repo');
  });
});
