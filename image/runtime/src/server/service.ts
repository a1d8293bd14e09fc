import { createServer, type Server } from 'node:http';
import { BrowserPool } from '../browser/browser-pool.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, spawnBrowserProcess } from '../browser/launch.js';
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
  // Every browser's profile lives in here (0700, removed at shutdown), one directory each.
  const profileParent = await mkdtemp(join(tmpdir(), 'browse-'));
  const onPipeFailure = (failure: string, detail: string): void => log.error('browser dropped', { failure, detail });
  const launchOptions = {
    browser: config.browser,
    proxyUrl: egress.url,
    profileParent,
    serviceArgs: serviceChromiumArgs(config),
    onPipeFailure,
    ...(options.browserEnv ? { env: options.browserEnv } : {}),
  };
  const pool = new BrowserPool({
    launch: ({ signal }) => launchBrowser({ ...launchOptions, ...(signal ? { signal } : {}) }),
    restartAfter: config.restartAfter,
    log: log.child({ component: 'pool' }),
    onRestart: (reason) => metrics.observeBrowserRestart(reason),
    spares: config.sparePages,
  });
  const retryAfterSeconds = Math.max(1, Math.ceil(config.timeoutMs / 1000 / 4));
  const limiter = new Limiter({ concurrency: config.maxConcurrency, queueSize: config.queueSize, retryAfterSeconds });
  const cdp = new CdpProxy({ config, limiter, spawn: () => spawnBrowserProcess(launchOptions), log: log.child({ component: 'cdp' }) });
  let draining = false;
  let cdpEndpoint = '';
  const state: ServiceState = {
    config,
    pool,
    limiter,
    metrics,
    draining: () => draining,
    cdpSessions: () => cdp.sessions,
    // No job may hold a slot longer than its own bound (plus time to tear down).
    stuckAfterMs: Math.max(config.timeoutMs, config.sessionTimeoutMs) + 60_000,
    cdpEndpoint: () => cdpEndpoint,
  };

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
  const listenUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  cdpEndpoint = `${new URL(config.publicUrl ?? listenUrl).origin.replace(/^http/, 'ws')}/devtools/browser`;
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
      await rm(profileParent, { recursive: true, force: true }).catch(() => undefined);
      server.closeAllConnections();
    })();
    return closing;
  };
  return { url: listenUrl, port, pool, internalPorts: () => [...reservedPorts], close };
}

/**
 * Flags for the service's browsers only (the CLI and users' scripts keep Chromium's
 * defaults): a V8 heap bound per renderer, so that a page allocating without end crashes
 * its own renderer (the job gets 503) instead of the container.
 */
export function serviceChromiumArgs(config: Pick<ServiceConfig, 'pageHeapMiB'>): string[] {
  return [`--js-flags=--max-old-space-size=${config.pageHeapMiB}`];
}
