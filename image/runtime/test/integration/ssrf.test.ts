import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '../../src/ssrf/guard.js';
import { startPageServer, startTestService, type PageServer, type TestService } from './support.js';

// All traffic stays on 127.0.0.0/8: the "allowed" server is on 127.0.0.1, the "internal"
// one on 127.0.0.2, and the allow-list names 127.0.0.1 only.
let allowed: PageServer;
let internal: PageServer;
let guarded: TestService;
let open: TestService;

// Names only this resolver knows: Chromium could not resolve them itself, so a page that
// loads proves that the egress proxy's checked resolution is the one used.
const resolve: HostResolver = async (host) => {
  if (host === 'app.test') return ['127.0.0.1'];
  if (host === 'internal.test') return ['127.0.0.2'];
  if (host === 'split.test') return ['127.0.0.1', '127.0.0.2'];
  if (host === 'localhost') return ['127.0.0.1'];
  throw new Error(`ENOTFOUND ${host}`);
};

beforeAll(async () => {
  allowed = await startPageServer('127.0.0.1');
  internal = await startPageServer('127.0.0.2');
  guarded = await startTestService({ BROWSE_ALLOW: '127.0.0.1/32' }, resolve);
  open = await startTestService({ BROWSE_ALLOW: '' }, resolve);
  await Promise.all([guarded.ready(), open.ready()]);
});

afterAll(async () => {
  await Promise.all([guarded?.service.close(), open?.service.close()]);
  await Promise.all([allowed?.close(), internal?.close()]);
});

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { message: string } }).error.message;
}

describe('SSRF guard (loopback only)', () => {
  it('refuses a host that resolves to 127.0.0.1 unless the allow-list names it', async () => {
    const before = allowed.hits('/page.html');
    const refused = await open.post('/content', { url: `http://localhost:${allowed.port}/page.html` });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(allowed.hits('/page.html')).toBe(before);

    const served = await guarded.post('/content', { url: `http://localhost:${allowed.port}/page.html` });
    expect(served.status).toBe(200);
    expect(allowed.hits('/page.html')).toBe(before + 1);
  });

  it('connects to the address it checked (names Chromium cannot resolve still load)', async () => {
    const served = await guarded.post('/content', { url: `http://app.test:${allowed.port}/page.html` });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('static text');
  });

  it('refuses a name when any of its addresses is not allowed', async () => {
    const refused = await guarded.post('/content', { url: `http://split.test:${internal.port}/page.html` });
    expect(refused.status).toBe(403);
    expect(internal.hits('/page.html')).toBe(0);
  });

  it('refuses a redirect to a blocked address', async () => {
    const to = `http://127.0.0.2:${internal.port}/page.html`;
    const refused = await guarded.post('/screenshot', { url: `${allowed.origin}/redirect?to=${encodeURIComponent(to)}` });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatch(/127\.0\.0\.2 is a loopback address/);
    expect(allowed.hits('/redirect')).toBeGreaterThan(0);
    expect(internal.hits('/page.html')).toBe(0);
  });

  it('does not load blocked sub-resources but renders the page', async () => {
    for (const src of [`http://127.0.0.2:${internal.port}/pixel.png`, `http://internal.test:${internal.port}/pixel.png`]) {
      const response = await guarded.post('/content', { url: `${allowed.origin}/embed?src=${encodeURIComponent(src)}`, waitUntil: 'networkidle0' });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('embedding');
    }
    expect(internal.hits('/pixel.png')).toBe(0);
    const ok = await guarded.post('/content', { url: `${allowed.origin}/embed?src=${encodeURIComponent(`${allowed.origin}/pixel.png`)}`, waitUntil: 'networkidle0' });
    expect(ok.status).toBe(200);
    expect(allowed.hits('/pixel.png')).toBe(1);
  });

  it.each(['file:///etc/passwd', 'chrome://version/', 'view-source:http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:1/', 'http://0.0.0.0:1/'])('refuses %s', async (url) => {
    const response = await guarded.post('/screenshot', { url });
    expect(response.status).toBe(403);
  });
});
