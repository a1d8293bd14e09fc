import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolveServiceConfig, type ConfigSource } from '../../src/config.js';
import { createJsonLogger, type Logger } from '../../src/log.js';
import { startService, type Service } from '../../src/server/service.js';
import type { Browser } from 'puppeteer-core';
import { expect } from 'vitest';
import type { HostResolver } from '../../src/ssrf/guard.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** A page server on one loopback address; counts the requests it gets by path. */
export interface PageServer {
  readonly origin: string;
  readonly port: number;
  hits(path: string): number;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><html><head><title>browse test</title></head>
<body style="margin:0;background:#09c"><h1 id="static">static text</h1>
<script>setTimeout(() => { const p = document.createElement('p'); p.id = 'late'; p.textContent = 'added by script'; document.body.append(p); }, 300);</script>
</body></html>`;

/**
 * Routes: /page.html, /tall.html (3000px), /slow?ms=N (page after N ms), /hang (never
 * answers), /redirect?to=URL, /embed?src=URL (page with an <img> from src), /pixel.png.
 */
export async function startPageServer(host = '127.0.0.1'): Promise<PageServer> {
  const hits = new Map<string, number>();
  const pending = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const html = (body: string): void => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    };
    switch (url.pathname) {
      case '/page.html':
        return html(PAGE);
      case '/tall.html':
        return html('<html><body style="margin:0"><div style="height:3000px;background:#c90">tall</div></body></html>');
      case '/slow': {
        const timer = setTimeout(() => html(PAGE), Number(url.searchParams.get('ms') ?? 1000));
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/hang':
        pending.add(res);
        res.on('close', () => pending.delete(res));
        return;
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      case '/embed':
        return html(`<html><body><p id="embed">embedding</p><img src="${url.searchParams.get('src') ?? ''}"></body></html>`);
      case '/pixel.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://${host}:${port}`,
    port,
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestService {
  readonly service: Service;
  readonly url: string;
  readonly logs: string[];
  post(path: string, body: unknown, init?: { token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  get(path: string, token?: string | null): Promise<Response>;
  /** Polls /health until ready. */
  ready(): Promise<void>;
}

/** Starts the service in-process on 127.0.0.1 with a random port; settings override the defaults. */
export async function startTestService(settings: ConfigSource = {}, resolve?: HostResolver): Promise<TestService> {
  const config = resolveServiceConfig({ BROWSE_HOST: '127.0.0.1', BROWSE_PORT: '0', BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1/32', ...settings });
  const logs: string[] = [];
  const log: Logger = createJsonLogger((line) => logs.push(line));
  const service = await startService(config, { log, ...(resolve ? { resolve } : {}) });
  const auth = (token: string | null | undefined): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token ?? TOKEN}` });
  const testService: TestService = {
    service,
    url: service.url,
    logs,
    post: (path, body, init = {}) =>
      fetch(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth(init.token), ...init.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, token) => fetch(`${service.url}${path}`, { headers: auth(token) }),
    ready: async () => {
      for (let attempt = 0; attempt < 300; attempt += 1) {
        const response = await fetch(`${service.url}/health`).catch(() => null);
        if (response?.status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('service never became ready');
    },
  };
  return testService;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  expect8(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function expect8(ok: boolean): void {
  if (!ok) throw new Error('not a PNG');
}

/** Polls until `check` is true (bounded), for states reached asynchronously. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, tries = 300): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

/** Opens the test page through a connected browser and checks it rendered; closes the browser. */
export async function expectBrowsesTestPage(browser: Browser, origin: string): Promise<void> {
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/page.html`);
    expect(await page.title()).toBe('browse test');
  } finally {
    await browser.close();
  }
}
