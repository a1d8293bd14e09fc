import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type ConnectionTransport } from 'puppeteer-core';
import { Agent, fetch as undiciFetch } from 'undici';
import { inject } from 'vitest';
import { WebSocket } from 'ws';
import '../../../../../test/support/provided.js';
import { TOKEN, waitFor } from '../support.js';

const run = promisify(execFile);
const HELPER = fileURLToPath(new URL('./namespace-helper.mjs', import.meta.url));

/**
 * The image under test: this run's build, or BROWSE_TEST_IMAGE (an image ID or tag) to run
 * the same probes against another build, e.g. the one before a fix, to see them fail there.
 */
export function imageUnderTest(): string {
  const image = process.env['BROWSE_TEST_IMAGE'] || inject('images').amd64;
  if (!image) throw new Error('no amd64 image: run with MULTIARCH_TEST_IMAGES=amd64 (or set BROWSE_TEST_IMAGE)');
  return image;
}

export async function docker(...args: string[]): Promise<string> {
  return (await run('/usr/bin/docker', args, { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

/** The allowed origin (pages) and the canary, as seen from inside the container. */
export const PAGES = 'http://127.0.0.1:8081';
export const CANARY = 'http://127.0.0.2:8082';

/**
 * The service in a container with `--network none`: its namespace has loopback only. The
 * test pages and a canary run inside that namespace (namespace-helper.mjs); the test
 * reaches the service and the hit counters through Unix sockets in a shared directory, so
 * no probe, page or escaped request can touch the host's network.
 */
export interface HostileContainer {
  readonly id: string;
  /** HTTP to the service (Host: service). */
  fetch(path: string, init?: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: Buffer; json<T>(): T }>;
  post(path: string, body: unknown): ReturnType<HostileContainer['fetch']>;
  /** Writes raw bytes to the service and returns everything it answers until it closes. */
  raw(request: string, waitMs?: number): Promise<string>;
  /** Connects puppeteer-core to the CDP endpoint. */
  cdp(): Promise<Browser>;
  /** Sends raw CDP text over a WebSocket and returns the reply with the same id. */
  cdpSession(): Promise<RawCdp>;
  hits(key: string): Promise<number>;
  health(): Promise<{ status: string; running: number; queued: number }>;
  running(): Promise<boolean>;
  logs(): Promise<string>;
  close(): Promise<void>;
}

export interface RawCdp {
  send(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<{ result?: Record<string, unknown>; error?: { message: string } }>;
  close(): void;
}

export async function startHostileContainer(env: Record<string, string> = {}): Promise<HostileContainer> {
  const bridge = await mkdtemp(join(tmpdir(), 'browse-hostile-'));
  await chmod(bridge, 0o777);
  await copyFile(HELPER, join(bridge, 'helper.mjs'));
  const settings = { BROWSE_HOST: '127.0.0.1', BROWSE_PORT: '3000', BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1', BROWSE_CDP: 'on', ...env };
  const id = await docker('run', '-d', '--network', 'none', '-v', `${bridge}:/bridge`, ...Object.entries(settings).flatMap(([k, v]) => ['-e', `${k}=${v}`]), imageUnderTest());
  await docker('exec', '-d', id, 'node', '/bridge/helper.mjs');
  const servicePath = join(bridge, 'service.sock');
  const agent = new Agent({ connect: { socketPath: servicePath } });
  const control = new Agent({ connect: { socketPath: join(bridge, 'control.sock') } });
  const authHeader = (token: string | null | undefined): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token ?? TOKEN}` });

  const container: HostileContainer = {
    id,
    fetch: async (path, init = {}) => {
      const response = await undiciFetch(`http://service${path}`, {
        method: init.method ?? 'GET',
        headers: { ...authHeader(init.token), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
        dispatcher: agent,
      });
      const body = Buffer.from(await response.arrayBuffer());
      return { status: response.status, headers: response.headers as unknown as Headers, body, json: <T>() => JSON.parse(body.toString()) as T };
    },
    post: (path, body) => container.fetch(path, { method: 'POST', body }),
    raw: (request, waitMs = 10_000) =>
      new Promise((resolve, reject) => {
        const socket = connect(servicePath);
        let answer = '';
        const timer = setTimeout(() => socket.destroy(), waitMs);
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(answer);
        });
        socket.on('error', reject);
        socket.write(request);
      }),
    cdp: async () => puppeteer.connect({ transport: await unixWebSocketTransport(servicePath), defaultViewport: null }),
    cdpSession: async () => rawCdp(await openWebSocket(servicePath)),
    hits: async (key) => {
      const response = await undiciFetch('http://control/', { dispatcher: control });
      return ((await response.json()) as Record<string, number>)[key] ?? 0;
    },
    health: async () => (await container.fetch('/health', { token: null })).json(),
    running: async () => (await docker('inspect', '-f', '{{.State.Running}}', id)) === 'true',
    logs: () => docker('logs', id),
    close: async () => {
      await docker('rm', '-f', id).catch(() => undefined);
      await Promise.all([agent.close(), control.close()]);
      await rm(bridge, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await container.fetch('/health', { token: null }).catch(() => null))?.status === 200, 'service in the container ready', 600);
  } catch (error) {
    const logs = await container.logs().catch(() => '');
    await container.close();
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
  return container;
}

function openWebSocket(socketPath: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws+unix:${socketPath}:/devtools/browser?token=${TOKEN}`, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`CDP upgrade refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

async function unixWebSocketTransport(socketPath: string): Promise<ConnectionTransport> {
  const socket = await openWebSocket(socketPath);
  const transport: ConnectionTransport = {
    send: (message) => socket.send(message),
    close: () => socket.close(),
  };
  socket.on('message', (data) => transport.onmessage?.(data.toString()));
  socket.on('close', () => transport.onclose?.());
  return transport;
}

function rawCdp(socket: WebSocket): RawCdp {
  let nextId = 1;
  const waiting = new Map<number, (reply: { result?: Record<string, unknown>; error?: { message: string } }) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
    if (message.id !== undefined) waiting.get(message.id)?.(message);
  });
  socket.on('close', () => {
    for (const resolve of waiting.values()) resolve({ error: { message: 'connection closed' } });
  });
  return {
    send: (method, params = {}, sessionId) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
    close: () => socket.close(),
  };
}

export { waitFor };
