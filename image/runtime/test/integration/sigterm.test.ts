import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/registry.js';
import { TOKEN, startPageServer, waitFor, type PageServer } from './support.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
let pages: PageServer;

beforeAll(async () => {
  pages = await startPageServer();
});

afterAll(async () => {
  await pages?.close();
});

function runCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('browse serve process', () => {
  it('refuses to start without a token, with a clear message', async () => {
    const run = runCli(['serve'], {});
    const [code] = await run.exited;
    expect(code).toBe(2);
    expect(run.output().stderr).toMatch(/^browse: no token: set BROWSE_TOKEN/);
  });

  it('on SIGTERM drains running and queued requests, then exits 0', async () => {
    const port = await freePort();
    const run = runCli(['serve', '--host', '127.0.0.1', '--port', String(port), '--max-concurrency', '1'], { BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 'service ready');
    const post = (url: string) =>
      fetch(`${base}/content`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ url }) });
    const running = post(`${pages.origin}/slow?ms=1500`);
    await waitFor(() => pages.hits('/slow') === 1, 'slow request running');
    const queued = post(`${pages.origin}/page.html`);
    await waitFor(async () => ((await (await fetch(`${base}/health`)).json()) as { queued: number }).queued === 1, 'second request queued');
    run.child.kill('SIGTERM');
    const [first, second] = await Promise.all([running, queued]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const [code, signal] = await run.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    const lines = run.output().stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line['msg'] === 'drain finished' && line['outcome'] === 'drained')).toBe(true);
    expect(lines.filter((line) => line['msg'] === 'request' && line['path'] === '/content').every((line) => typeof line['requestId'] === 'string')).toBe(true);
  });
});
