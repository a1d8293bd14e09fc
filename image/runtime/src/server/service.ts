import { createServer, type Server } from 'node:http';
import { BrowserPool } from '../browser/browser-pool.js';
import { launchBrowser } from '../browser/launch.js';
import type { ServiceConfig } from '../config.js';
import { Limiter } from '../limiter.js';
import type { Logger } from '../log.js';
import { startEgressProxy } from '../ssrf/egress-proxy.js';
import { SsrfGuard, type HostResolver } from '../ssrf/guard.js';
import { CdpProxy } from './cdp-proxy.js';
import { Metrics } from './metrics.js';
import { pickRequestId, createRequestHandler } from './request-handler.js';
import type { ServiceState } from './route.js';
import { ROUTES } from './routes/index.js';

export interface StartServiceOptions {
  readonly log: Logger;
  /** Host resolution for the SSRF guard (tests inject one); the system resolver otherwise. */
  readonly resolve?: HostResolver;
  /** Environment for Chromium (the service's own secrets stripped by the caller). */
  readonly browserEnv?: Readonly<Record<string, string | undefined>>;
}

/** A running service. */
export interface Service {
  readonly url: string;
  readonly port: number;
  readonly pool: BrowserPool;
  /** Loopback ports of the service's own machinery that pages may never reach (diagnostics, tests). */
  internalPorts(): number[];
  /**
   * Graceful shutdown: stop accepting, let running and queued work finish (up to the
   * drain timeout), then close sessions, browsers and sockets. Idempotent.
   */
  close(): Promise<void>;
}

/** Starts the HTTP + CDP service and its warm browser; resolves once it listens. */
export async function startService(config: ServiceConfig, options: StartServiceOptions): Promise<Service> {
  const { log } = options;
  // The service's own loopback endpoints, which pages must never reach (see SsrfGuard).
  const reservedPorts = new Set<number>();
  const guard = new SsrfGuard({ allowList: config.allowList, reservedPorts, ...(options.resolve ? { resolve: options.resolve } : {}) });
  const egress = await startEgressProxy(guard, log.child({ component: 'egress' }));
  reservedPorts.add(Number(new URL(egress.url).port));
  const metrics = new Metrics();
  const launch = (signal: AbortSignal | undefined, pipe: boolean) =>
    launchBrowser({ browser: config.browser, proxyUrl: egress.url, pipe, ...(signal ? { signal } : {}), ...(options.browserEnv ? { env: options.browserEnv } : {}) });
  // CDP sessions need a DevTools port to relay to; it is reserved while the browser lives.
  const launchForSession = async (signal: AbortSignal) => {
    const browser = await launch(signal, false);
    const port = Number(new URL(browser.wsEndpoint()).port);
    reservedPorts.add(port);
    browser.once('disconnected', () => reservedPorts.delete(port));
    return browser;
  };
  const pool = new BrowserPool({
    launch: ({ signal }) => launch(signal, true),
    restartAfter: config.restartAfter,
    log: log.child({ component: 'pool' }),
    onRestart: (reason) => metrics.observeBrowserRestart(reason),
    keepSpare: true,
  });
  const retryAfterSeconds = Math.max(1, Math.ceil(config.timeoutMs / 1000 / 4));
  const limiter = new Limiter({ concurrency: config.maxConcurrency, queueSize: config.queueSize, retryAfterSeconds });
  const cdp = new CdpProxy({ config, limiter, launch: launchForSession, log: log.child({ component: 'cdp' }) });
  let draining = false;
  const state: ServiceState = { config, pool, limiter, metrics, draining: () => draining, cdpSessions: () => cdp.sessions };

  const server: Server = createServer(createRequestHandler({ state, routes: ROUTES, guard, log }));
  server.on('upgrade', (request, socket, head: Buffer) => cdp.handleUpgrade(request, socket, head, pickRequestId(request.headers['x-request-id'])));
  server.on('clientError', (_error, socket) => socket.destroy());
  // Headers and idle keep-alive bounded so that slow clients cannot hold sockets forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = config.timeoutMs + 30_000;

  void pool.warmUp().catch((error: unknown) => {
    log.error('first browser launch failed; will retry on the next request', { error: error instanceof Error ? error.message : String(error), cause: error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info('listening', { host: config.host, port, auth: config.token !== null, maxConcurrency: config.maxConcurrency, queue: config.queueSize });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      log.info('draining', { running: limiter.running, queued: limiter.queued });
      server.close();
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), config.drainTimeoutMs);
      });
      const outcome = await Promise.race([limiter.drain().then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      log.info('drain finished', { outcome, running: limiter.running, queued: limiter.queued });
      cdp.closeAll();
      await pool.close();
      await egress.close();
      server.closeAllConnections();
    })();
    return closing;
  };
  return { url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`, port, pool, internalPorts: () => [...reservedPorts], close };
}
