import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../../../../test/support/provided.js';
import { freePort } from '../../../../test/support/registry.js';
import { TOKEN, pngSize, startPageServer, waitFor, type PageServer, expectBrowsesTestPage } from './support.js';

const run = promisify(execFile);
const image = inject('images').amd64;

async function docker(...args: string[]): Promise<string> {
  return (await run('/usr/bin/docker', args, { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

// The container shares the host's network so that it reaches the page server on
// 127.0.0.1 and the service listens on 127.0.0.1 only; nothing leaves loopback.
async function startContainer(port: number, env: Record<string, string>): Promise<string> {
  const envArgs = Object.entries({ BROWSE_HOST: '127.0.0.1', BROWSE_PORT: String(port), BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1', BROWSE_CDP: 'on', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  // No command: the image's default CMD must be the service.
  return docker('run', '-d', '--network', 'host', ...envArgs, image as string);
}

describe('browse in the amd64 image', () => {
  // a missing image is a failed precondition, never a silent skip
  beforeAll(() => {
    if (!image) throw new Error('the integration global setup built no amd64 test image (MULTIARCH_TEST_IMAGES excludes it): run with both arches');
  });
  let pages: PageServer;
  let port: number;
  let container: string;
  let base: string;
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const metrics = async () => (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();

  beforeAll(async () => {
    pages = await startPageServer();
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    container = await startContainer(port, { BROWSE_MAX_CONCURRENCY: '1', BROWSE_QUEUE: '1', BROWSE_TIMEOUT_MS: '20000' });
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 'service in the container ready', 600);
  });

  afterAll(async () => {
    if (container) await docker('rm', '-f', container).catch(() => undefined);
    await pages?.close();
  });

  it('refuses to start the default command without a token', async () => {
    const result = await run('/usr/bin/docker', ['run', '--rm', image as string]).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 2 });
    expect((result as { stderr: string }).stderr).toMatch(/no token: set BROWSE_TOKEN/);
  });

  it('serves every route', async () => {
    const shot = await post('/screenshot', { url: `${pages.origin}/page.html`, viewport: { width: 400, height: 300 } });
    expect(shot.status).toBe(200);
    expect(pngSize(Buffer.from(await shot.arrayBuffer()))).toEqual({ width: 400, height: 300 });
    const pdf = await post('/pdf', { url: `${pages.origin}/page.html`, format: 'Letter' });
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const content = await post('/content', { url: `${pages.origin}/page.html`, waitForSelector: '#late' });
    expect(await content.text()).toContain('added by script');
    const version = (await (await fetch(`${base}/json/version?token=${TOKEN}`)).json()) as { webSocketDebuggerUrl: string };
    expect(version.webSocketDebuggerUrl).toBe(`ws://127.0.0.1:${port}/devtools/browser?token=${TOKEN}`);
    expect(await metrics()).toMatch(/browse_requests_total\{route="\/screenshot",status="200"\} 1/);
  });

  it('accepts a real puppeteer-core client over the CDP proxy', async () => {
    const browser = await puppeteer.connect({ browserWSEndpoint: `ws://127.0.0.1:${port}?token=${TOKEN}` });
    await expectBrowsesTestPage(browser, pages.origin);
  });

  it('answers bad input, refused URLs, overflow and timeouts with the right 4xx/5xx', async () => {
    expect((await post('/screenshot', '{oops')).status).toBe(400);
    expect((await post('/screenshot', { url: `${pages.origin}/page.html`, bogus: true })).status).toBe(400);
    expect((await post('/screenshot', { url: 'file:///etc/passwd' })).status).toBe(403);
    expect((await post('/screenshot', { url: 'http://169.254.169.254/latest/meta-data/' })).status).toBe(403);
    const slow = post('/content', { url: `${pages.origin}/slow?ms=2000` });
    await waitFor(() => pages.hits('/slow') >= 1, 'slow request running');
    const queued = post('/content', { url: `${pages.origin}/page.html` });
    await waitFor(async () => (await metrics()).includes('browse_queue_length 1'), 'queued');
    const overflow = await post('/content', { url: `${pages.origin}/page.html` });
    expect(overflow.status).toBe(429);
    expect(overflow.headers.get('retry-after')).toBeTruthy();
    expect((await slow).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect((await post('/content', { url: `${pages.origin}/hang`, timeout: 1000 })).status).toBe(504);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('recovers when Chromium is killed inside the container', async () => {
    const findBrowser = `for p in /proc/[0-9]*; do c=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null); case "$c" in *remote-debugging-pipe*) case "$c" in *--type=*) ;; *) echo \${p#/proc/};; esac;; esac; done`;
    const pid = await docker('exec', container, 'sh', '-c', findBrowser);
    expect(pid).toMatch(/^\d+$/);
    await docker('exec', container, 'kill', '-9', pid);
    await waitFor(async () => (await metrics()).includes('browse_browser_restarts_total{reason="crash"} 1'), 'restart counted');
    await waitFor(async () => (await fetch(`${base}/health`)).status === 200, 'ready again');
    expect((await post('/content', { url: `${pages.origin}/page.html` })).status).toBe(200);
  });

  it('drains on SIGTERM (docker stop) and exits 0', async () => {
    const before = pages.hits('/slow');
    const slow = post('/content', { url: `${pages.origin}/slow?ms=2000` });
    await waitFor(() => pages.hits('/slow') > before, 'slow request running');
    const stopped = docker('stop', '-t', '30', container);
    expect((await slow).status).toBe(200);
    await stopped;
    expect(await docker('inspect', '-f', '{{.State.ExitCode}}', container)).toBe('0');
    const logs = await docker('logs', container);
    expect(logs).toMatch(/"msg":"drain finished".*"outcome":"drained"/);
  });

  it('runs a user script with node and tsx (the other way to use the image)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'browse-script-'));
    try {
      const script = `import puppeteer from 'puppeteer-core';
const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH });
const page = await browser.newPage();
await page.goto(${JSON.stringify(`${pages.origin}/page.html`)});
const title: string = await page.title();
console.log('title=' + title);
await browser.close();
`;
      // .mts: a plain .ts file outside a "type": "module" package is CommonJS, where top-level await fails.
      await writeFile(join(dir, 'script.mts'), script);
      await writeFile(join(dir, 'script.mjs'), script.replace(': string', ''));
      await chmod(dir, 0o777);
      expect(await docker('run', '--rm', '--network', 'host', '-v', `${dir}:/work`, image as string, 'tsx', 'script.mts')).toContain('title=browse test');
      expect(await docker('run', '--rm', '--network', 'host', '-v', `${dir}:/work`, image as string, 'node', 'script.mjs')).toContain('title=browse test');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
