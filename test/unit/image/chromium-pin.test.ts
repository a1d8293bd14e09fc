import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageDir } from '../../../src/project-paths.js';
import { chromeMajorFromRevisions, judgePin, puppeteerCoreForChrome, readInstalledPin, registryReleases } from '../../../scripts/chromium-pin.js';

/**
 * The drift check names the puppeteer-core release to move to. Here the real npm client
 * reads a registry on 127.0.0.1 that serves real tarballs (package.json + revisions.js
 * laid out as puppeteer-core publishes them), so `npm view` / `npm pack` and our parsing
 * are what is tested; only the release history is made up.
 */
const HISTORY: readonly [version: string, chrome: string][] = [
  ['24.0.0', '150.0.7000.0'],
  ['24.1.0', '151.0.7050.0'],
  ['24.2.0', '151.0.7051.3'],
  ['25.0.0', '152.0.7100.0'],
  ['25.10.0', '154.0.7300.0'],
  ['25.15.0', '155.0.7400.2'],
  ['25.16.0', '156.0.7500.0'],
  ['25.16.1', '156.0.7501.9'],
  ['25.9.0', '153.0.7200.0'], // out of order on purpose: versions sort as semver, not as listed
  ['26.0.0-rc.1', '157.0.7600.0'], // a prerelease is never the answer
];

let server: Server;
let registry: string;
let cache: string;
let tarballRequests = 0;

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'fake-puppeteer-registry-'));
  cache = join(work, 'npm-cache');
  const tarballs = new Map<string, Buffer>();
  const versions: Record<string, object> = {};
  server = createServer((request, response) => {
    const url = request.url ?? '';
    if (url === '/puppeteer-core') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name: 'puppeteer-core', 'dist-tags': { latest: '25.16.1' }, versions }));
      return;
    }
    const tarball = tarballs.get(url);
    if (tarball) {
      tarballRequests += 1;
      response.end(tarball);
      return;
    }
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  for (const [version, chrome] of HISTORY) {
    const dir = join(work, version, 'package');
    await mkdir(join(dir, 'lib', 'puppeteer'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'puppeteer-core', version }));
    await writeFile(join(dir, 'lib', 'puppeteer', 'revisions.js'), `export const PUPPETEER_REVISIONS = Object.freeze({\n  chrome: '${chrome}',\n  'chrome-headless-shell': '${chrome}',\n  firefox: 'stable_140.0',\n});\n`);
    const file = join(work, `${version}.tgz`);
    await execa('tar', ['-czf', file, '-C', join(work, version), 'package']);
    const data = await readFile(file);
    const path = `/puppeteer-core/-/puppeteer-core-${version}.tgz`;
    tarballs.set(path, data);
    versions[version] = {
      name: 'puppeteer-core',
      version,
      dist: {
        tarball: `${registry}${path.slice(1)}`,
        shasum: createHash('sha1').update(data).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
      },
    };
  }
  return async () => {
    server.close();
    await rm(work, { recursive: true, force: true });
  };
});

const releases = () => registryReleases({ registry, env: { ...process.env, npm_config_cache: cache } });

describe('puppeteer-core release for a Chrome major (real npm client, loopback registry)', () => {
  it('finds the newest stable release per major by binary search, not one tarball per release', async () => {
    tarballRequests = 0;
    expect(await puppeteerCoreForChrome(releases(), 156)).toBe('25.16.1');
    expect(tarballRequests).toBeLessThanOrEqual(4);
    expect(await puppeteerCoreForChrome(releases(), 151)).toBe('24.2.0');
    expect(await puppeteerCoreForChrome(releases(), 153)).toBe('25.9.0');
    expect(await puppeteerCoreForChrome(releases(), 150)).toBe('24.0.0');
  });

  it('gives nothing for a major no stable release targets (only an rc, or none at all)', async () => {
    expect(await puppeteerCoreForChrome(releases(), 157)).toBeUndefined();
    expect(await puppeteerCoreForChrome(releases(), 149)).toBeUndefined();
  });
});

describe('judgePin', () => {
  it('is in step when the majors agree, without asking the registry', async () => {
    const refuse = { versions: () => Promise.reject(new Error('no lookup expected')), chromeMajor: () => Promise.reject(new Error('no lookup expected')) };
    const verdict = await judgePin({ pinned: '25.16.0', pinnedChromeMajor: 156, chromiumVersion: '156.0.8078.114-1~deb13u1', where: 'Debian trixie-security' }, refuse);
    expect(verdict.ok).toBe(true);
  });

  it('names the exact release and the command when Debian moves to a newer major', async () => {
    const verdict = await judgePin({ pinned: '25.15.0', pinnedChromeMajor: 155, chromiumVersion: '156.0.8078.114-1~deb13u1', where: 'Debian trixie-security' }, releases());
    expect(verdict.ok).toBe(false);
    expect(verdict.moveTo).toBe('25.16.1');
    expect(verdict.message).toContain('Debian trixie-security ships Chromium 156.0.8078.114-1~deb13u1 (major 156)');
    expect(verdict.message).toContain('pins puppeteer-core 25.15.0, which targets Chrome 155');
    expect(verdict.message).toContain('npm install --prefix image --save-exact puppeteer-core@25.16.1');
  });

  it('says to wait when no release targets the new major yet', async () => {
    const verdict = await judgePin({ pinned: '25.16.1', pinnedChromeMajor: 156, chromiumVersion: '157.0.1.2-1', where: 'Debian trixie-security' }, releases());
    expect(verdict.ok).toBe(false);
    expect(verdict.moveTo).toBeUndefined();
    expect(verdict.message).toMatch(/No puppeteer-core release targeting Chrome 157 is published yet: keep 25\.16\.1/);
  });

  it('refuses a version string with no major', async () => {
    await expect(judgePin({ pinned: '1.0.0', pinnedChromeMajor: 1, chromiumVersion: 'unknown', where: 'x' }, releases())).rejects.toThrow(/cannot read a Chromium major/);
  });
});

describe('the installed pin (image/node_modules)', () => {
  it('reads the Chrome major of the pinned puppeteer-core as the drift check does', async () => {
    const pin = await readInstalledPin(imageDir());
    expect(pin.installed).toBe(pin.pinned);
    const revisions = readFileSync(join(imageDir(), 'node_modules', 'puppeteer-core', 'lib', 'puppeteer', 'revisions.js'), 'utf8');
    expect(pin.chromeMajor).toBe(chromeMajorFromRevisions(revisions));
    expect(pin.chromeMajor).toBeGreaterThan(100);
  });
});
