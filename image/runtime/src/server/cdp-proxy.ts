import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Browser } from 'puppeteer-core';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ServiceConfig } from '../config.js';
import { BrowseError, UnavailableError } from '../errors.js';
import type { Limiter } from '../limiter.js';
import type { Logger } from '../log.js';
import { authenticate } from './auth.js';
import { toErrorResponse } from './http-errors.js';
import { timeoutSignal } from '../abort.js';

export interface CdpProxyDeps {
  readonly config: ServiceConfig;
  readonly limiter: Limiter;
  /** Launches a dedicated browser (with the SSRF egress proxy) for one session. */
  readonly launch: (signal: AbortSignal) => Promise<Browser>;
  readonly log: Logger;
}

const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
// URLs a CDP client may open directly: the web, and blank/inline documents. file: and
// chrome: would expose the container's files and browser internals.
const OPENABLE_URL = /^(https?:|about:blank|data:)/i;

/**
 * The DevTools WebSocket endpoint: each connection takes a limiter slot and gets its own
 * Chromium, launched for it and killed when it ends, so that a client with full CDP power
 * cannot see or disturb other jobs. Messages are relayed as they are, except the few that
 * would step around the SSRF guard (a per-context proxy, opening file: or chrome: URLs).
 */
export class CdpProxy {
  readonly #deps: CdpProxyDeps;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES });
  readonly #sessions = new Set<WebSocket>();

  constructor(deps: CdpProxyDeps) {
    this.#deps = deps;
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  /** The server's `upgrade` listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): void {
    const log = this.#deps.log.child({ requestId });
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (path !== '/' && !path.startsWith('/devtools/browser')) throw new BrowseError('NOT_FOUND', `no WebSocket endpoint ${path}`);
      authenticate(request, this.#deps.config.token);
    } catch (error) {
      refuseUpgrade(socket, error, requestId);
      return;
    }
    const gone = new AbortController();
    socket.once('close', () => gone.abort(new UnavailableError('the client went away')));
    const admission = AbortSignal.any([timeoutSignal(this.#deps.config.timeoutMs), gone.signal]);
    this.#deps.limiter
      .run(() => this.#session(request, socket, head, admission, log), admission)
      .catch((error: unknown) => {
        if (!(error instanceof BrowseError)) log.error('CDP session failed', { error: error instanceof Error ? error.message : String(error) });
        refuseUpgrade(socket, error, requestId);
      });
  }

  /** Ends every open session (shutdown after the drain period). */
  closeAll(): void {
    for (const client of this.#sessions) client.close(1001, 'service shutting down');
  }

  async #session(request: IncomingMessage, socket: Duplex, head: Buffer, signal: AbortSignal, log: Logger): Promise<void> {
    const browser = await this.#deps.launch(signal);
    try {
      const upstream = new WebSocket(browser.wsEndpoint(), { perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES });
      await new Promise<void>((resolve, reject) => {
        upstream.once('open', resolve);
        upstream.once('error', reject);
      });
      if (socket.destroyed) {
        upstream.close();
        return;
      }
      const client = await new Promise<WebSocket>((resolve) => this.#wss.handleUpgrade(request, socket, head, resolve));
      this.#sessions.add(client);
      log.info('CDP session opened', { pid: browser.process()?.pid });
      await relay(client, upstream, this.#deps.config.sessionTimeoutMs);
      this.#sessions.delete(client);
      log.info('CDP session closed');
    } finally {
      await browser.close().catch(() => undefined);
    }
  }
}

function relay(client: WebSocket, upstream: WebSocket, sessionTimeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => client.close(4408, 'session time limit reached'), sessionTimeoutMs);
    const end = (): void => {
      clearTimeout(timer);
      if (client.readyState === WebSocket.OPEN) client.close();
      if (upstream.readyState === WebSocket.OPEN) upstream.close();
      resolve();
    };
    client.on('message', (data: RawData, isBinary: boolean) => {
      const refusal = isBinary ? null : refuseCommand(data.toString());
      if (refusal) client.send(refusal);
      else if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    });
    upstream.on('message', (data: RawData, isBinary: boolean) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    client.once('close', end);
    upstream.once('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
}

/** A CDP error reply for a command the service does not allow, or null to relay it. */
export function refuseCommand(text: string): string | null {
  let message: { id?: unknown; method?: unknown; params?: Record<string, unknown>; sessionId?: unknown };
  try {
    message = JSON.parse(text) as typeof message;
  } catch {
    return null;
  }
  const params = message.params ?? {};
  let reason: string | null = null;
  if (message.method === 'Target.createBrowserContext' && (params['proxyServer'] !== undefined || params['proxyBypassList'] !== undefined)) {
    reason = 'proxyServer is not allowed by this service';
  } else if ((message.method === 'Page.navigate' || message.method === 'Target.createTarget') && typeof params['url'] === 'string' && params['url'] !== '' && !OPENABLE_URL.test(params['url'])) {
    reason = 'only http(s), about:blank and data: URLs may be opened';
  }
  if (reason === null) return null;
  return JSON.stringify({ id: message.id, ...(message.sessionId === undefined ? {} : { sessionId: message.sessionId }), error: { code: -32000, message: reason } });
}

function refuseUpgrade(socket: Duplex, error: unknown, requestId: string): void {
  if (socket.destroyed || !socket.writable) return;
  const mapped = toErrorResponse(error, requestId);
  const body = JSON.stringify(mapped.body);
  const headers = Object.entries({ ...mapped.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', 'x-request-id': requestId })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${mapped.status} ${statusText(mapped.status)}\r\n${headers}\r\n${body}`);
}

function statusText(status: number): string {
  return { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status] ?? 'Error';
}
