import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, pngSize, startPageServer, startTestService, type PageServer, type TestService } from './support.js';

let pages: PageServer;
let svc: TestService;

beforeAll(async () => {
  pages = await startPageServer();
  svc = await startTestService({ BROWSE_TIMEOUT_MS: '20000', BROWSE_CDP: 'on' });
  await svc.ready();
});

afterAll(async () => {
  await svc?.service.close();
  await pages?.close();
});

describe('browse serve routes (host Chromium)', () => {
  it('GET /health is open and ready once the browser is up', async () => {
    const response = await svc.get('/health', null);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  it('POST /screenshot renders with viewport, device scale and full page', async () => {
    const response = await svc.post('/screenshot', { url: `${pages.origin}/page.html`, viewport: { width: 320, height: 200, deviceScaleFactor: 2 } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(pngSize(Buffer.from(await response.arrayBuffer()))).toEqual({ width: 640, height: 400 });

    const full = await svc.post('/screenshot', { url: `${pages.origin}/tall.html`, viewport: { width: 300, height: 200 }, fullPage: true });
    expect(full.status).toBe(200);
    expect(pngSize(Buffer.from(await full.arrayBuffer()))).toEqual({ width: 300, height: 3000 });

    const jpeg = await svc.post('/screenshot', { url: `${pages.origin}/page.html`, type: 'jpeg', quality: 50 });
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await jpeg.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('POST /pdf prints with format, landscape and margins', async () => {
    const response = await svc.post('/pdf', { url: `${pages.origin}/page.html`, format: 'A4', landscape: true, printBackground: true, margin: { top: '1cm', bottom: '1cm' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = await PDFDocument.load(Buffer.from(await response.arrayBuffer()));
    const { width, height } = pdf.getPage(0).getSize();
    // A4 landscape is 842 × 595 pt; Chromium rounds the short side up by a point.
    expect(Math.abs(width - 842)).toBeLessThan(2);
    expect(Math.abs(height - 595)).toBeLessThan(2);
  });

  it('POST /content returns the DOM after scripts, waiting for a selector', async () => {
    const response = await svc.post('/content', { url: `${pages.origin}/page.html`, waitForSelector: '#late' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('added by script');
  });

  it('GET /json/version points at the CDP proxy and keeps the query token', async () => {
    const response = await fetch(`${svc.url}/json/version?token=${TOKEN}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body['Browser']).toMatch(/Chrome\//);
    expect(body['webSocketDebuggerUrl']).toBe(`ws://127.0.0.1:${svc.service.port}/devtools/browser?token=${TOKEN}`);
  });

  it('requires the token on everything but /health, from header, X-Browse-Token or query', async () => {
    const body = { url: `${pages.origin}/page.html` };
    expect((await svc.post('/content', body, { token: null })).status).toBe(401);
    expect((await svc.post('/content', body, { token: 'wrong-token-0123456789' })).status).toBe(401);
    expect((await svc.get('/metrics', null)).status).toBe(401);
    expect((await svc.post('/content', body, { token: null, headers: { 'x-browse-token': TOKEN } })).status).toBe(200);
    expect((await fetch(`${svc.url}/metrics?token=${TOKEN}`)).status).toBe(200);
  });

  it('answers bad input with a clear 4xx and keeps running', async () => {
    const url = `${pages.origin}/page.html`;
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [svc.post('/screenshot', '{"url": '), 400, /malformed JSON/],
      [svc.post('/screenshot', { url: 'not a url' }), 400, /url must be an absolute URL/],
      [svc.post('/screenshot', { url, clip: { x: 0 } }), 400, /unsupported option: clip/],
      [svc.post('/pdf', { url, format: 'B7' }), 400, /format/],
      [svc.post('/screenshot', { url, viewport: { width: -1, height: 10 } }), 400, /viewport\.width/],
      [svc.post('/screenshot', { url, pad: 'x'.repeat(2 * 1024 * 1024) }), 413, /larger than/],
      [svc.post('/screenshot', url, { headers: { 'content-type': 'text/plain' } }), 415, /application\/json/],
      [svc.get('/nowhere'), 404, /no route/],
      [svc.get('/screenshot'), 405, /not allowed/],
    ];
    for (const [pending, status, message] of cases) {
      const response = await pending;
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { message: string; requestId: string } };
      expect(body.error.message).toMatch(message);
      expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    }
    expect((await svc.post('/content', { url })).status).toBe(200);
  });

  it('maps navigation failures to 502 and timeouts to 504 without leaking internals', async () => {
    const refused = await svc.post('/content', { url: 'http://127.0.0.1:9/' });
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/cannot load http:\/\/127\.0\.0\.1:9\/: net::ERR_/);

    const slow = await svc.post('/content', { url: `${pages.origin}/hang`, timeout: 1000 });
    expect(slow.status).toBe(504);
    const body = (await slow.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'TIMEOUT' });
    expect(JSON.stringify(body)).not.toMatch(/ at |\.ts:|\.js:/);

    const selector = await svc.post('/content', { url: `${pages.origin}/page.html`, waitForSelector: '#never', timeout: 1000 });
    expect(selector.status).toBe(504);
    expect((await svc.post('/content', { url: `${pages.origin}/page.html` })).status).toBe(200);
  });

  it('GET /metrics counts requests by route and status, with a latency histogram', async () => {
    const text = await (await svc.get('/metrics')).text();
    expect(text).toMatch(/browse_requests_total\{route="\/screenshot",status="200"\} [1-9]/);
    expect(text).toMatch(/browse_requests_total\{route="\/content",status="504"\} 2/);
    expect(text).toMatch(/browse_request_duration_seconds_bucket\{route="\/pdf",le="\+Inf"\} [1-9]/);
    expect(text).toContain('browse_queue_length 0');
    expect(text).toContain('browse_browser_ready 1');
    expect(text).toMatch(/browse_browser_restarts_total\{reason="crash"\} 0/);
  });

  it('writes one JSON log line per request with its id', () => {
    const lines = svc.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line['msg'] === 'request');
    expect(requests.length).toBeGreaterThan(10);
    for (const line of requests) expect(line).toMatchObject({ level: 'info', requestId: expect.any(String), status: expect.any(Number) });
  });
});
