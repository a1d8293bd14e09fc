import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { imageDir, projectRoot } from '../../../src/project-paths.js';
import '../../support/provided.js';

/**
 * puppeteer-core speaks the DevTools protocol of one Chrome major; Debian ships its own
 * Chromium and moves it with security updates. These tests fail as soon as the two drift,
 * so the pin in image/package.json gets bumped deliberately.
 */
const pinned = (JSON.parse(readFileSync(join(imageDir(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['puppeteer-core'];

function supportedChromeMajor(): number {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')) as { version: string };
  expect(pkg.version, 'root node_modules must hold the pinned puppeteer-core').toBe(pinned);
  const source = readFileSync(join(projectRoot(), 'node_modules', 'puppeteer-core', 'lib', 'puppeteer', 'revisions.js'), 'utf8');
  const match = /chrome:\s*'(\d+)\./.exec(source);
  expect(match, 'PUPPETEER_REVISIONS.chrome not found').not.toBeNull();
  return Number(match?.[1]);
}

describe('puppeteer-core pin vs Debian Chromium', () => {
  it("matches the Chromium major in Debian trixie's archive (apt metadata on this host)", async () => {
    const madison = await execa('apt-cache', ['madison', 'chromium'], { reject: false });
    const trixie = String(madison.stdout)
      .split('\n')
      .filter((line) => /trixie/.test(line) && /\bPackages\b/.test(line));
    expect(trixie.length, 'no trixie chromium in apt metadata (run scripts/setup-host.sh)').toBeGreaterThan(0);
    const majors = trixie.map((line) => Number(/\|\s*(\d+)\./.exec(line)?.[1]));
    expect(Math.max(...majors)).toBe(supportedChromeMajor());
  });

  it.runIf(inject('images').amd64)('matches the Chromium major inside the built image', async () => {
    const result = await new DockerCli().run(['run', '--rm', '--network', 'none', inject('images').amd64 as string, 'chromium', '--version']);
    expect(Number(/Chromium (\d+)\./.exec(result.stdout)?.[1])).toBe(supportedChromeMajor());
  });
});
