import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../../../../test/support/provided.js';
import { freePort } from '../../../../test/support/registry.js';
import { TOKEN, pngSize, startPageServer, waitFor, type PageServer } from './support.js';

const run = promisify(execFile);
const image = inject('images').arm64;

/**
 * The arm64 image's default command on this x86 host, i.e. under QEMU user-mode emulation:
 * the launcher hook must add --no-zygote by itself, and the service must come up and
 * render. (Native Graviton runs get the full suite in the CodeBuild path.)
 */
describe('browse serve in the arm64 image (QEMU)', () => {
  // a missing image is a failed precondition, never a silent skip
  beforeAll(() => {
    if (!image) throw new Error('the integration global setup built no arm64 test image (MULTIARCH_TEST_IMAGES excludes it): run with both arches');
  });
  let pages: PageServer;
  let container = '';
  let base = '';

  beforeAll(async () => {
    pages = await startPageServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { BROWSE_HOST: '127.0.0.1', BROWSE_PORT: String(port), BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1', BROWSE_TIMEOUT_MS: '120000' };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    container = (await run('/usr/bin/docker', ['run', '-d', '--platform', 'linux/arm64', '--network', 'host', ...envArgs, image as string])).stdout.trim();
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 'arm64 service ready', 1_500);
  }, 240_000);

  afterAll(async () => {
    if (container) await run('/usr/bin/docker', ['rm', '-f', container]).catch(() => undefined);
    await pages?.close();
  });

  it('runs as aarch64 and serves a screenshot', async () => {
    const arch = (await run('/usr/bin/docker', ['exec', container, 'uname', '-m'])).stdout.trim();
    expect(arch).toBe('aarch64');
    const shot = await fetch(`${base}/screenshot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ url: `${pages.origin}/page.html`, viewport: { width: 400, height: 300 } }),
    });
    expect(shot.status).toBe(200);
    expect(pngSize(Buffer.from(await shot.arrayBuffer()))).toEqual({ width: 400, height: 300 });
  });
});
