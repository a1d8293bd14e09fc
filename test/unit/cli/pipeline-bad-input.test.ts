import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

/**
 * Bad input to the publishing verbs: one line, its documented exit code, and nothing
 * started — no docker, no base bootstrap, no lock, no log directory.
 */
let work: string;
let context: string;
const clean = { MULTIARCH_CONFIG: undefined, IMAGE_TAG: undefined, IMAGE_ARCH: undefined, IMAGE_REPO_NAME: undefined, MULTIARCH_BUILDERS: undefined, MULTIARCH_REGISTRY: undefined };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'multiarch-bad-input-'));
  context = join(work, 'ctx');
  await mkdir(context);
  await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(work, 'typo.yml'), 'registy: 127.0.0.1:5000\n');
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const pipeline = (...args: string[]) => runCli(['pipeline', '--log-dir', join(work, 'logs'), ...args], clean);

describe('multiarch pipeline: bad input is refused before any work', () => {
  it.each([
    [['--registry', '127.0.0.1:99999', '--dry-run'], /registry: port must be 1-65535/],
    [['--registry', '127.0.0.1:5000', '--arch', 'arm64,arm64', '--dry-run'], /names arm64 twice/],
    [['--registry', '127.0.0.1:5000', '--arch', 'amd64,aarch64,arm64v8'], /names arm64 twice/],
    [['--registry', '127.0.0.1:5000', '--context', '/nonexistent'], /build context \/nonexistent is not a directory/],
    [['--registry', '127.0.0.1:5000', '--context', '/nonexistent', '--dry-run'], /build context \/nonexistent is not a directory/],
    [['--registry', '127.0.0.1:5000', '--dockerfile', 'Nope.Dockerfile'], /Dockerfile .*Nope\.Dockerfile does not exist/],
    [['--registry', '127.0.0.1:5000', '--secret', 'npmrc=/nonexistent/.npmrc'], /--secret npmrc=\/nonexistent\/\.npmrc: no such file/],
    [['--registry', '127.0.0.1:5000', '--docker-host', 'tcp://127.0.0.1:2375'], /no --docker-host: set DOCKER_HOST .* --builder \[ARCH=\]remote:/],
  ])('%j exits 2 with one line', async (args, message) => {
    const { code, stderr } = await pipeline(...args);
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^multiarch: error: /)]);
    expect(lines[0]).toMatch(message);
    expect(code).toBe(2);
    expect(await readdir(work)).not.toContain('logs');
  });

  it('an absolute --dockerfile is used as given, not re-rooted under the context', async () => {
    const { code, stdout } = await pipeline('--registry', '127.0.0.1:5000', '--context', context, '--dockerfile', join(context, 'Dockerfile'), '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain(`dockerfile ${join(context, 'Dockerfile')}`);
    expect(stdout).not.toContain(`${context}${context}`);
  });

  it('a typo at the top of a config file names the file', async () => {
    const { code, stderr } = await pipeline('-c', join(work, 'typo.yml'), '--dry-run');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown field registy \(from .*typo\.yml/);
  });

  it('an unreachable engine is a host problem (exit 7), found before any base is bootstrapped', async () => {
    const { code, stderr } = await runCli(['pipeline', '--registry', '127.0.0.1:5000', '--log-dir', join(work, 'engine-logs'), '--base', 'local', '--progress', 'none'], { ...clean, DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(stderr).toMatch(/cannot reach the Docker engine/);
    expect(code).toBe(7);
    expect(await readdir(work)).not.toContain('engine-logs');
  });

  it('test IMAGE on an unreachable engine exits 7, not as a failed smoke test', async () => {
    const { code, stderr } = await runCli(['test', 'some-image', '--arch', 'amd64', '--docker-host', 'unix:///nonexistent.sock'], clean);
    expect(stderr).toMatch(/cannot reach the Docker engine/);
    expect(code).toBe(7);
  });
});
