import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy on 127.0.0.1 that injects faults into registry traffic by script:
 * HTTP errors (429 with Retry-After, 500, 503…), connection resets before any response,
 * and bodies cut off mid-way after a full Content-Length was promised. Everything else is
 * forwarded unchanged (Host kept, so upload Locations point back through the proxy).
 */
export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'truncate' }
  /** Holds the request this long, then forwards it unchanged (a slow registry). */
  | { readonly kind: 'delay'; readonly ms: number };

export interface FaultRule {
  readonly method?: string;
  /** Matched against path + query. */
  readonly path?: RegExp;
  readonly fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity: all). */
  readonly times?: number;
  /** Let this many matching requests through first (default 0). */
  readonly skip?: number;
}

export interface FaultProxyRequest {
  readonly method: string;
  readonly path: string;
  readonly fault?: string;
}

export interface FaultProxy {
  readonly url: string;
  readonly host: string;
  /** Replaces the script; counters of the new rules start at zero. */
  setScript(rules: readonly FaultRule[]): void;
  requests(): FaultProxyRequest[];
  /** Faults injected so far. */
  injected(): number;
  stop(): Promise<void>;
}

interface RuleState {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

export async function startFaultProxy(options: { readonly upstream: string; readonly script?: readonly FaultRule[] }): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  let rules: RuleState[] = [];
  const log: FaultProxyRequest[] = [];
  const setScript = (script: readonly FaultRule[]): void => {
    rules = script.map((rule) => ({ rule, seen: 0, fired: 0 }));
  };
  setScript(options.script ?? []);

  function pick(req: IncomingMessage): Fault | undefined {
    for (const state of rules) {
      const { rule } = state;
      if (rule.method && rule.method !== req.method) continue;
      if (rule.path && !rule.path.test(req.url ?? '')) continue;
      state.seen++;
      if (state.seen <= (rule.skip ?? 0)) continue;
      if (state.fired >= (rule.times ?? 1)) continue;
      state.fired++;
      return rule.fault;
    }
    return undefined;
  }

  const server = createServer((req, res) => {
    const fault = pick(req);
    if (fault?.kind === 'delay') {
      req.pause();
      setTimeout(() => forward(req, res, undefined), fault.ms);
      return;
    }
    forward(req, res, fault);
  });

  function forward(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): void {
    log.push({ method: req.method ?? '', path: req.url ?? '', ...(fault ? { fault: fault.kind === 'status' ? String(fault.status) : fault.kind } : {}) });
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(fault.status, headers).end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }] }));
      return;
    }
    const proxied = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
      if (fault?.kind === 'truncate' && req.method !== 'HEAD') {
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (c: Buffer) => chunks.push(c));
        upstreamRes.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)));
          // Flush the half body, then cut the connection: the client sees a short read.
          setTimeout(() => res.socket?.destroy(), 20);
        });
        return;
      }
      if (fault?.kind === 'truncate') {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    proxied.on('error', () => res.destroy());
    req.pipe(proxied);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    setScript,
    requests: () => [...log],
    injected: () => rules.reduce((sum, r) => sum + r.fired, 0),
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
