import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ARCHES } from '../../../src/arch.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { runSmokeTest } from '../../../src/smoke/run-smoke-test.js';
import '../../support/provided.js';

const docker = new DockerCli();
const images = inject('images');

describe.each(ARCHES.filter((arch) => images[arch]))('smoke test on %s', (arch) => {
  const image = images[arch] as string;

  it('passes every check, as the non-root user, with real fonts, PNG and PDF', async () => {
    const result = await runSmokeTest({ docker, image, arch, timeoutMs: 600_000 });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.ran).toBe(true);
    expect(result.node).toMatch(/^v20\./);
    expect(result.chromium).toMatch(/^Chromium \d+\./);
    const names = result.checks.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'runs as non-root user node (uid 1000)',
        'CJK text renders with Noto CJK',
        'emoji render with Noto Color Emoji',
        'host: screenshot is not blank',
        'host: PDF page count',
        'puppeteer-core supports this Chromium major',
      ]),
    );
    console.log(`[${arch}] smoke test ${result.durationMs} ms; in-image timings ${JSON.stringify(result.timings)}`);
  });
});

describe.runIf(images.amd64)('smoke test gate', () => {
  const broken = 'multiarch-test-image:broken-fonts';
  let context: string;
  afterAll(async () => {
    await docker.run(['rmi', '-f', broken], { reject: false });
    if (context) await rm(context, { recursive: true, force: true });
  });

  it('fails an image whose CJK fonts are missing (the gate can say no)', async () => {
    context = await mkdtemp(join(tmpdir(), 'broken-image-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${images.amd64}\nUSER root\nRUN rm -rf /usr/share/fonts/opentype/noto && fc-cache -f >/dev/null 2>&1 || true\nUSER node\n`);
    await docker.run(['build', '-q', '-t', broken, context]);
    const result = await runSmokeTest({ docker, image: broken, arch: 'amd64', timeoutMs: 180_000 });
    expect(result.passed).toBe(false);
    const cjk = result.checks.find((c) => c.name === 'CJK text renders with Noto CJK');
    expect(cjk?.ok).toBe(false);
  });

  it('reports a missing image as a failed test, not a pass', async () => {
    const result = await runSmokeTest({ docker, image: 'multiarch-test-image:does-not-exist', arch: 'amd64', timeoutMs: 60_000 });
    expect(result.passed).toBe(false);
  });
});
