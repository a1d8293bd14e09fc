import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startPageServer, startTestService, waitFor, type PageServer, type TestService, expectBrowsesTestPage } from './support.js';

let pages: PageServer;
let internal: PageServer;
let svc: TestService;

beforeAll(async () => {
  pages = await startPageServer('127.0.0.1');
  internal = await startPageServer('127.0.0.2');
  svc = await startTestService({ BROWSE_MAX_CONCURRENCY: '2', BROWSE_QUEUE: '0', BROWSE_CDP: 'on' });
  await svc.ready();
});

afterAll(async () => {
  await svc?.service.close();
  await Promise.all([pages?.close(), internal?.close()]);
});

const endpoint = (): string => `ws://127.0.0.1:${svc.service.port}/devtools/browser?token=${TOKEN}`;

describe('CDP proxy with a real puppeteer-core client', () => {
  it('puppeteer.connect works with the token in the query', async () => {
    const browser = await puppeteer.connect({ browserWSEndpoint: endpoint() });
    try {
      const page = await browser.newPage();
      await page.goto(`${pages.origin}/page.html`);
      expect(await page.$eval('#static', (element) => element.textContent)).toBe('static text');
      expect(await browser.version()).toMatch(/Chrome\//);
      expect(await (await svc.get('/metrics')).text()).toContain('browse_cdp_sessions 1');
    } finally {
      await browser.disconnect();
    }
    await waitFor(async () => (await (await svc.get('/metrics')).text()).includes('browse_cdp_sessions 0'), 'session closed');
  });

  it('works with the token in a header and the URL from /json/version', async () => {
    const version = (await (await svc.get('/json/version')).json()) as { webSocketDebuggerUrl: string };
    const browser = await puppeteer.connect({ browserWSEndpoint: version.webSocketDebuggerUrl, headers: { authorization: `Bearer ${TOKEN}` } });
    await expectBrowsesTestPage(browser, pages.origin);
  });

  it('is off unless BROWSE_CDP=on', async () => {
    const off = await startTestService({});
    try {
      await expect(puppeteer.connect({ browserWSEndpoint: `ws://127.0.0.1:${off.service.port}/devtools/browser?token=${TOKEN}` })).rejects.toThrow(/404/);
      expect((await off.get('/json/version')).status).toBe(404);
    } finally {
      await off.service.close();
    }
  });

  it('refuses connections without the token', async () => {
    await expect(puppeteer.connect({ browserWSEndpoint: `ws://127.0.0.1:${svc.service.port}/devtools/browser` })).rejects.toThrow(/401/);
  });

  it('applies the SSRF guard to CDP sessions and refuses local URLs', async () => {
    const browser = await puppeteer.connect({ browserWSEndpoint: endpoint() });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`http://127.0.0.2:${internal.port}/page.html`).catch(() => null);
      expect(response === null || response.status() === 403).toBe(true);
      expect(internal.hits('/page.html')).toBe(0);
      await expect(page.goto('file:///etc/passwd')).rejects.toThrow(/only http\(s\)/);
    } finally {
      await browser.disconnect();
    }
  });

  it("keeps pages away from the egress proxy; a session's browser has no DevTools port", async () => {
    const browser = await puppeteer.connect({ browserWSEndpoint: endpoint() });
    try {
      // Only the egress proxy: sessions speak CDP over a pipe, so there is no port to guard.
      const ports = svc.service.internalPorts();
      expect(ports).toHaveLength(1);
      const response = await svc.post('/content', { url: `http://127.0.0.1:${ports[0]}/` });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/the service's own endpoint/);
      const page = await browser.newPage();
      const viaSession = await page.goto(`http://127.0.0.1:${ports[0]}/`).catch(() => null);
      expect(viaSession === null || viaSession.status() === 403).toBe(true);
    } finally {
      await browser.disconnect();
    }
  });

  it('counts sessions against the limiter (429 when full)', async () => {
    const a = await puppeteer.connect({ browserWSEndpoint: endpoint() });
    const b = await puppeteer.connect({ browserWSEndpoint: endpoint() });
    try {
      await expect(puppeteer.connect({ browserWSEndpoint: endpoint() })).rejects.toThrow(/429/);
      const busy = await svc.post('/content', { url: `${pages.origin}/page.html` });
      expect(busy.status).toBe(429);
    } finally {
      await Promise.all([a.disconnect(), b.disconnect()]);
    }
  });
});
