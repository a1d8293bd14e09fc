import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A reverse proxy on 127.0.0.1 that holds every request for `delayMs` before forwarding
 * it to the registry, so every tool pays the same latency per request (a registry 50 ms
 * away). It logs each request, and counts connections that do not speak HTTP at all —
 * the HTTPS probes Docker sends to an insecure registry — which are answered with a 400
 * after the same delay, as a TLS handshake to a plain-HTTP server would be.
 */
export interface LatencyProxy {
  readonly host: string;
  /** Requests seen so far: `METHOD /path`. */
  requests(): string[];
  /** Non-HTTP connections (TLS probes) seen so far. */
  probes(): number;
  stop(): Promise<void>;
}

export async function startLatencyProxy(options: { readonly upstream: string; readonly delayMs: number }): Promise<LatencyProxy> {
  const upstream = new URL(options.upstream);
  const log: string[] = [];
  let probes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    log.push(`${req.method ?? ''} ${req.url ?? ''}`);
    // Buffer the body while waiting, so an upload is not held up twice.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        const proxied = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        });
        proxied.on('error', () => res.destroy());
        proxied.end(Buffer.concat(chunks));
      }, options.delayMs);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => {
    probes++;
    setTimeout(() => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    }, options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    requests: () => [...log],
    probes: () => probes,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
