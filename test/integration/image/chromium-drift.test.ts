import { describe, expect, inject, it } from 'vitest';
import { ARCHES } from '../../../src/arch.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { imageDir } from '../../../src/project-paths.js';
import { chromiumMajor, readInstalledPin } from '../../../scripts/chromium-pin.js';
import '../../support/provided.js';

/**
 * puppeteer-core speaks the DevTools protocol of one Chrome major; Debian ships its own
 * Chromium and moves it with security updates. The gate is the image just built: its
 * Chromium must be the pin's major. Whether Debian's archive has moved since (date-dependent)
 * is `npm run check:chromium-drift`, outside the gating run; it names the release to move to.
 */
const images = inject('images');

describe.each(ARCHES.filter((arch) => images[arch]))('puppeteer-core pin vs the Chromium in the %s image', (arch) => {
  it('matches the Chromium major inside the built image', async () => {
    const pin = await readInstalledPin(imageDir());
    expect(pin.installed, 'image/node_modules must hold the pinned puppeteer-core (setup-host.sh --project-node)').toBe(pin.pinned);
    const result = await new DockerCli().run(['run', '--rm', '--network', 'none', images[arch] as string, 'chromium', '--version']);
    const major = chromiumMajor(result.stdout);
    expect(
      major,
      `the image's Chromium is ${result.stdout.trim()}, puppeteer-core ${pin.pinned} targets Chrome ${pin.chromeMajor}: run \`npm run check:chromium-drift\` for the release to pin in image/package.json`,
    ).toBe(pin.chromeMajor);
  });
});
