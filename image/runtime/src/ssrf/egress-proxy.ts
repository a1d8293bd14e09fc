import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BrowseError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SsrfGuard } from './guard.js';

/**
 * A forward proxy on 127.0.0.1 that every Chromium connection goes through
 * (`--proxy-server`, with loopback included). It resolves each host itself, checks every
 * address with the SSRF guard, and connects to exactly the address it checked. That closes
 * the DNS-rebinding gap that request interception alone leaves: interception checks a
 * name, but Chromium would resolve it again and could get a different answer. It also
 * covers what interception never sees (WebSocket connections, CDP clients' pages).
 */
export interface EgressProxy {
  /** `http://127.0.0.1:PORT`, for `--proxy-server`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Set on the answers the proxy makes up itself (refused, unreachable), so that the render
 * code can tell "the origin said 502" from "there was no origin to ask" (Chromium shows
 * both as a page). Stripped from real responses so that an origin cannot forge it.
 */
export const EGRESS_HEADER = 'x-browse-egress';

// Hop-by-hop and proxy-only headers must not be forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'proxy-authorization', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export async function startEgressProxy(guard: SsrfGuard, log: Logger): Promise<EgressProxy> {
  const server: Server = createServer((req, res) => {
    void forwardHttp(guard, log, req, res);
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void tunnel(guard, log, req, socket, head);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forwardHttp(guard: SsrfGuard, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
    if (target.protocol !== 'http:') throw new Error('not an absolute http URL');
  } catch {
    res.writeHead(400).end();
    return;
  }
  let addresses: readonly string[];
  try {
    ({ addresses } = await guard.checkHost(target.hostname, target.port === '' ? 80 : Number(target.port)));
  } catch (error) {
    refuse(log, target.host, error);
    res.writeHead(403, { 'content-type': 'text/plain', [EGRESS_HEADER]: 'blocked' }).end('blocked by the SSRF guard');
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const upstream = httpRequest({
    host: addresses[0],
    port: target.port === '' ? 80 : Number(target.port),
    method: req.method,
    path: `${target.pathname}${target.search}`,
    headers,
    setHost: false,
  });
  upstream.on('response', (response) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== EGRESS_HEADER) out[name] = value;
    }
    res.writeHead(response.statusCode ?? 502, response.statusMessage, out);
    response.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', [EGRESS_HEADER]: 'unreachable' }).end('origin unreachable');
    else res.destroy();
  });
  req.pipe(upstream);
}

async function tunnel(guard: SsrfGuard, log: Logger, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  client.on('error', () => client.destroy());
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(req.url ?? '');
  if (!match) {
    client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  const [, host = '', port = ''] = match;
  let addresses: readonly string[];
  try {
    ({ addresses } = await guard.checkHost(host, Number(port)));
  } catch (error) {
    refuse(log, host, error);
    client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    return;
  }
  const upstream = await connectFirst(addresses, Number(port));
  if (!upstream) {
    client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    return;
  }
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  upstream.on('error', () => client.destroy());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

/** Tries the checked addresses in resolver order; never any other address. */
async function connectFirst(addresses: readonly string[], port: number): Promise<Socket | null> {
  for (const address of addresses) {
    const socket = await new Promise<Socket | null>((resolve) => {
      const candidate = connect({ host: address, port });
      candidate.once('connect', () => resolve(candidate));
      candidate.once('error', () => resolve(null));
    });
    if (socket) return socket;
  }
  return null;
}

function refuse(log: Logger, host: string, error: unknown): void {
  const reason = error instanceof BrowseError ? error.message : 'check failed';
  log.warn('egress refused', { host, reason });
}
