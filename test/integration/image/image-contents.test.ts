import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { inspectLocalImage } from '../../../src/docker/image-inspect.js';
import { projectRoot } from '../../../src/project-paths.js';
import '../../support/provided.js';

const docker = new DockerCli();
const images = inject('images');
const image = images.amd64;

async function sh(script: string, extra: string[] = []): Promise<string> {
  const result = await docker.run(['run', '--rm', '--network', 'none', ...extra, image as string, 'sh', '-c', script]);
  return result.stdout.trim();
}

describe.runIf(image)('the amd64 image', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'user-scripts-'));
    await chmod(work, 0o777);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

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

  // A bare .ts file in a directory without package.json is CommonJS to tsx (no top-level
  // await); .mts, or "type": "module", is ESM. Both must find the global packages.
  it.each([
    ['script.ts', 'async function main(): Promise<void> {', '}\nvoid main();'],
    ['script.mts', '', ''],
  ])('runs a user TypeScript script (%s) from a mounted directory with tsx', async (file, open, close) => {
    await writeFile(
      join(work, file),
      [
        "import puppeteer from 'puppeteer-core';",
        "import _ from 'lodash';",
        "import { of } from 'rxjs';",
        open,
        'const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH });',
        'const page = await browser.newPage();',
        "await page.setContent('<title>typed</title>');",
        'const title: string = await page.title();',
        'of(title).subscribe((t) => console.log(_.upperCase(t)));',
        'await browser.close();',
        close,
      ].join('\n'),
    );
    const result = await docker.run(['run', '--rm', '--network', 'none', '-v', `${work}:/work`, image as string, 'tsx', file]);
    expect(result.stdout.trim()).toBe('TYPED');
  });

  it('runs a plain CommonJS script with node, requiring the globals', async () => {
    await writeFile(
      join(work, 'script.cjs'),
      "const puppeteer = require('puppeteer-core');\nrequire('source-map-support').install();\nconst puts = (s) => console.log(s);\n(async () => {\n  const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH });\n  puts((await browser.version()).split('/')[0]);\n  await browser.close();\n})();\n",
    );
    const result = await docker.run(['run', '--rm', '--network', 'none', '-v', `${work}:/work`, image as string, 'node', 'script.cjs']);
    expect(result.stdout.trim()).toMatch(/^(Headless)?Chrome$/);
  });

  it('type-checks a user script against the bundled puppeteer-core and @types/node', async () => {
    await writeFile(join(work, 'typed.ts'), "import type { Browser } from 'puppeteer-core';\nexport const n: number = process.pid;\nexport type B = Browser;\n");
    const result = await docker.run(['run', '--rm', '--network', 'none', '-v', `${work}:/work`, image as string, 'tsc', '--noEmit', '--strict', '--module', 'nodenext', '--types', 'node', 'typed.ts']);
    expect(result.exitCode).toBe(0);
  });

  it('carries OCI labels from the git checkout', async () => {
    const info = await inspectLocalImage(docker, image as string);
    const head = (await execa('git', ['-C', projectRoot(), 'log', '-1', '--format=%H'])).stdout.trim();
    expect(info?.labels['org.opencontainers.image.title']).toBe('puppeteer-multiarch');
    expect(info?.labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(info?.labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(info?.labels['org.opencontainers.image.version']).toBe(JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version);
    expect(head).toMatch(/^[0-9a-f]{40}$/);
  });

  it('is much smaller than the original 2.69 GB image', async () => {
    const info = await inspectLocalImage(docker, image as string);
    expect(info?.size).toBeLessThan(1.5e9);
  });
});
