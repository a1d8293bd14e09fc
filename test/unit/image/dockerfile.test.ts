import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageDir, projectRoot } from '../../../src/project-paths.js';

const dockerfile = readFileSync(join(imageDir(), 'Dockerfile'), 'utf8');
const imagePackage = JSON.parse(readFileSync(join(imageDir(), 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const rootPackage = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

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

  it('installs the browser, fonts and init without recommends', () => {
    for (const pkg of ['chromium', 'nodejs', 'tini', 'ca-certificates', 'fonts-liberation', 'fonts-noto-cjk', 'fonts-noto-color-emoji']) {
      expect(dockerfile).toMatch(new RegExp(`\\b${pkg}\\b`));
    }
    expect(dockerfile).toMatch(/--no-install-recommends/);
  });

  it('labels the image with the OCI annotations', () => {
    for (const key of ['source', 'revision', 'created', 'version', 'title']) {
      expect(dockerfile).toMatch(new RegExp(`org\\.opencontainers\\.image\\.${key}=`));
    }
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

  it('tests on the host against the same puppeteer-core as the image ships', () => {
    expect(rootPackage.devDependencies['puppeteer-core']).toBe(imagePackage.dependencies['puppeteer-core']);
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
