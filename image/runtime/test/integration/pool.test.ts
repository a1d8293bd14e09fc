import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startPageServer, startTestService, waitFor, type PageServer, type TestService } from './support.js';

let pages: PageServer;
let svc: TestService | undefined;

beforeAll(async () => {
  pages = await startPageServer();
});

afterEach(async () => {
  await svc?.service.close();
  svc = undefined;
});

afterAll(async () => {
  await pages?.close();
});

async function health(s: TestService): Promise<{ running: number; queued: number }> {
  return (await (await s.get('/health', null)).json()) as { running: number; queued: number };
}

async function browserPid(s: TestService): Promise<number | undefined> {
  await s.service.pool.browser();
  return s.service.pool.pid;
}

describe('pool and limits (host Chromium)', () => {
  it('queues up to the limit and answers 429 with Retry-After beyond', async () => {
    svc = await startTestService({ BROWSE_MAX_CONCURRENCY: '1', BROWSE_QUEUE: '1', BROWSE_TIMEOUT_MS: '20000' });
    await svc.ready();
    const s = svc;
    const first = s.post('/content', { url: `${pages.origin}/slow?ms=1500` });
    await waitFor(async () => (await health(s)).running === 1, 'first running');
    const second = s.post('/content', { url: `${pages.origin}/page.html` });
    await waitFor(async () => (await health(s)).queued === 1, 'second queued');
    const third = await s.post('/content', { url: `${pages.origin}/page.html` });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('QUEUE_FULL');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(await (await s.get('/metrics')).text()).toContain('browse_queue_rejected_total 1');
  });

  it('recovers from a killed browser without failing queued requests', async () => {
    svc = await startTestService({ BROWSE_MAX_CONCURRENCY: '1', BROWSE_QUEUE: '4', BROWSE_TIMEOUT_MS: '30000' });
    await svc.ready();
    const s = svc;
    const pid = await browserPid(s);
    expect(pid).toBeGreaterThan(0);
    const running = s.post('/content', { url: `${pages.origin}/hang` });
    await waitFor(async () => (await health(s)).running === 1 && pages.hits('/hang') > 0, 'job running');
    const queued = [s.post('/screenshot', { url: `${pages.origin}/page.html` }), s.post('/content', { url: `${pages.origin}/page.html` })];
    await waitFor(async () => (await health(s)).queued === 2, 'jobs queued');
    process.kill(pid as number, 'SIGKILL');
    const crashed = await running;
    expect(crashed.status).toBe(503);
    for (const response of await Promise.all(queued)) expect(response.status).toBe(200);
    await s.ready();
    const newPid = await browserPid(s);
    expect(newPid).not.toBe(pid);
    expect(await (await s.get('/metrics')).text()).toContain('browse_browser_restarts_total{reason="crash"} 1');
  });

  it('replaces the browser after N jobs, letting running jobs finish', async () => {
    svc = await startTestService({ BROWSE_MAX_CONCURRENCY: '2', BROWSE_RESTART_AFTER: '2' });
    await svc.ready();
    const s = svc;
    const firstPid = await browserPid(s);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => s.post('/content', { url: `${pages.origin}/page.html` })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await (await s.get('/metrics')).text()).toMatch(/browse_browser_restarts_total\{reason="jobs"\} [2-9]/);
    expect(await browserPid(s)).not.toBe(firstPid);
  });
});
