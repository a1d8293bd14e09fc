import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { imageBuildRequest } from '../../../src/builders/image-build-request.js';
import { browsableSourceUrl, readSourceMetadata } from '../../../src/builders/source-metadata.js';

// org.opencontainers.image.source must be where the code really is, or absent: never a
// URL made up from the project's name.
describe('browsableSourceUrl', () => {
  it.each([
    ['git@github.com:acme/widgets.git', 'https://github.com/acme/widgets'],
    ['ssh://git@github.com/acme/widgets.git', 'https://github.com/acme/widgets'],
    ['ssh://git@git.example.com:2222/team/widgets.git', 'https://git.example.com/team/widgets'],
    ['git+https://github.com/acme/widgets.git', 'https://github.com/acme/widgets'],
    ['https://ci-bot:s3cret@gitlab.example.com/group/sub/widgets.git', 'https://gitlab.example.com/group/sub/widgets'],
    ['https://github.com/acme/widgets/', 'https://github.com/acme/widgets'],
  ])('%s → %s (no credentials, no .git)', (remote, expected) => {
    expect(browsableSourceUrl(remote)).toBe(expected);
  });

  it.each([[undefined], [''], ['/work/main'], ['../upstream'], ['file:///srv/git/widgets.git'], ['https://github.com/'], ['not a url'], ['git@localhost:widgets']])(
    'gives nothing for %s (not a public web address)',
    (remote) => {
      expect(browsableSourceUrl(remote)).toBeUndefined();
    },
  );
});

describe('readSourceMetadata', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function repo(pkg: object, remote?: string): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'source-label-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
    const git = (...args: string[]) => execa('git', ['-C', dir as string, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    await git('init', '-q');
    await git('add', 'package.json');
    await git('commit', '-q', '-m', 'init');
    if (remote) await git('remote', 'add', 'origin', remote);
    return dir;
  }

  it('leaves the source out when neither package.json nor a remote says, and passes no SOURCE build arg', async () => {
    const metadata = await readSourceMetadata(await repo({ name: 'x', version: '1.2.3' }));
    expect(metadata.source).toBeUndefined();
    expect(metadata.revision).toMatch(/^[0-9a-f]{40}$/);
    const request = imageBuildRequest({ arch: 'amd64', tag: 't', contextDir: '/nonexistent', metadata, logFile: '/dev/null' });
    expect(request.buildArgs).not.toHaveProperty('SOURCE');
  });

  it('takes the git remote origin, normalised, when package.json has no repository', async () => {
    const metadata = await readSourceMetadata(await repo({ version: '1.0.0' }, 'https://token@github.com/acme/widgets.git'));
    expect(metadata.source).toBe('https://github.com/acme/widgets');
    const request = imageBuildRequest({ arch: 'arm64', tag: 't', contextDir: '/nonexistent', metadata, logFile: '/dev/null' });
    expect(request.buildArgs['SOURCE']).toBe('https://github.com/acme/widgets');
  });

  it("prefers package.json's repository over the remote", async () => {
    const metadata = await readSourceMetadata(await repo({ version: '1.0.0', repository: { type: 'git', url: 'git+https://github.com/acme/declared.git' } }, 'git@github.com:someone/fork.git'));
    expect(metadata.source).toBe('https://github.com/acme/declared');
  });

  it('ignores a remote that is a local path (a clone of a clone)', async () => {
    const metadata = await readSourceMetadata(await repo({ version: '1.0.0' }, '/work/main'));
    expect(metadata.source).toBeUndefined();
  });
});
