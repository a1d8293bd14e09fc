import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { raceAbort, timeoutSignal } from '../abort.js';
import type { ChromiumProcess } from '../browser/chromium-process.js';
import type { ServiceConfig } from '../config.js';
import { BadRequestError, BrowseError, UnavailableError } from '../errors.js';
import type { Limiter } from '../limiter.js';
import type { Logger } from '../log.js';
import { authenticate } from './auth.js';
import { checkCdpCommand } from './cdp-allowlist.js';
import { toErrorResponse } from './http-errors.js';
import { parseRequestTarget } from './request-target.js';

export interface CdpProxyDeps {
  readonly config: ServiceConfig;
  readonly limiter: Limiter;
  /** Starts a dedicated browser for one session: pipe only, its own profile, the egress proxy. */
  readonly spawn: () => Promise<ChromiumProcess>;
  readonly log: Logger;
}

// Client → browser frames; the browser → client direction is bounded by the pipe transport.
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024 * 1024;
// A client that does not read what its browser sends is dropped before the backlog grows past this.
const MAX_CLIENT_BACKLOG_BYTES = 256 * 1024 * 1024;
const PROBE_ID = 2_147_483_647;
const WEBSOCKET_KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * The DevTools WebSocket endpoint (only with BROWSE_CDP=on). Each connection takes one
 * limiter slot and gets a Chromium of its own that has no DevTools port (CDP over a pipe
 * the service holds) and a fresh profile, killed with its process group when the
 * connection ends. Client commands pass `checkCdpCommand`, an allowlist that fails closed.
 */
export class CdpProxy {
  readonly #deps: CdpProxyDeps;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
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
    try {
      // Everything a handshake can get wrong is refused here, before a slot is taken: a
      // request `ws` would refuse later never calls back, and its slot would never be freed.
      const { path } = parseRequestTarget(request);
      if (!this.#deps.config.cdp) throw new BrowseError('NOT_FOUND', 'the CDP endpoint is off (BROWSE_CDP=on enables it)');
      if (path !== '/' && !path.startsWith('/devtools/browser')) throw new BrowseError('NOT_FOUND', `no WebSocket endpoint ${path}`);
      authenticate(request, this.#deps.config.token);
      checkHandshake(request);
    } catch (error) {
      refuseUpgrade(socket, error, requestId);
      return;
    }
    const gone = new AbortController();
    socket.once('close', () => gone.abort(new UnavailableError('the client went away')));
    // Bounds the wait for a slot and the browser's start, never the session itself.
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

  async #session(request: IncomingMessage, socket: Duplex, head: Buffer, admission: AbortSignal, log: Logger): Promise<void> {
    const chromium = await this.#deps.spawn();
    let client: WebSocket | null = null;
    try {
      await raceAbort(probe(chromium), admission, 'launching the browser');
      if (socket.destroyed) return;
      client = await acceptUpgrade(this.#wss, request, socket, head);
      if (!client) return;
      this.#sessions.add(client);
      log.info('CDP session opened', { pid: chromium.pid });
      const reason = await relay(client, chromium, this.#deps.config.sessionTimeoutMs);
      log.info('CDP session closed', { reason });
    } finally {
      if (client) this.#sessions.delete(client);
      await chromium.kill();
    }
  }
}

function checkHandshake(request: IncomingMessage): void {
  const upgrade = request.headers.upgrade?.toLowerCase();
  const key = request.headers['sec-websocket-key'];
  if (request.method !== 'GET' || upgrade !== 'websocket') throw new BadRequestError('not a WebSocket handshake (GET with Upgrade: websocket)');
  if (typeof key !== 'string' || !WEBSOCKET_KEY.test(key.trim())) throw new BadRequestError('missing or invalid Sec-WebSocket-Key');
  if (request.headers['sec-websocket-version'] !== '13') throw new BadRequestError('unsupported Sec-WebSocket-Version (13 is required)');
}

/** Completes the upgrade; null when the socket closes first (ws then never calls back). */
function acceptUpgrade(wss: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const onClose = (): void => resolve(null);
    socket.once('close', onClose);
    wss.handleUpgrade(request, socket, head, (client) => {
      socket.off('close', onClose);
      resolve(client);
    });
  });
}

/** Resolves once the browser answers on its pipe (it has started). */
function probe(chromium: ChromiumProcess): Promise<void> {
  const { transport } = chromium;
  return new Promise<void>((resolve, reject) => {
    transport.onmessage = (message) => {
      if (message.includes(`"id":${PROBE_ID}`)) resolve();
    };
    transport.onclose = () => reject(new UnavailableError('the browser exited while starting'));
    transport.send(JSON.stringify({ id: PROBE_ID, method: 'Browser.getVersion' }));
  });
}

/** Relays until either side ends; resolves with why. */
function relay(client: WebSocket, chromium: ChromiumProcess, sessionTimeoutMs: number): Promise<string> {
  const { transport } = chromium;
  return new Promise<string>((resolve) => {
    let ended = false;
    const end = (reason: string, code = 1000): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) client.close(code, reason.slice(0, 120));
      transport.onmessage = undefined;
      transport.onclose = undefined;
      resolve(reason);
    };
    const timer = setTimeout(() => end('session time limit reached', 4408), sessionTimeoutMs);
    transport.onmessage = (message) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) end('client is not reading; session dropped', 1008);
      else client.send(message);
    };
    transport.onclose = () => end('the browser closed or was dropped', 1011);
    client.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return end('CDP messages are text', 1003);
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
      const verdict = checkCdpCommand(text);
      if (verdict.action === 'close') end(verdict.reason, 1008);
      else if (verdict.action === 'reply') client.send(verdict.reply);
      else transport.send(text);
    });
    client.once('close', () => end('the client closed the session'));
    client.on('error', () => end('client connection error'));
  });
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
  return { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status] ?? 'Error';
}
