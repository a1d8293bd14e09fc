import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BrowseError, QueueFullError, UnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SsrfGuard } from '../ssrf/guard.js';
import { authenticate } from './auth.js';
import { readJsonBody } from './body.js';
import { toErrorResponse } from './http-errors.js';
import type { Route, RouteResult, ServiceState } from './route.js';
import { timeoutSignal } from '../abort.js';
import { parseRequestTarget } from './request-target.js';

export interface RequestHandlerDeps {
  readonly state: ServiceState;
  readonly routes: readonly Route[];
  readonly guard: SsrfGuard;
  readonly log: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a fresh one. */
export function pickRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Turns each HTTP request into a route call: request id, auth, body validation, limiter
 * slot and browser context for rendering routes, one JSON log line, metrics. Every error
 * goes through `toErrorResponse`, the one place statuses are chosen.
 */
export function createRequestHandler(deps: RequestHandlerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      // handle() maps every error itself; this is the net under that net.
      deps.log.error('request handler failed', { error: error instanceof Error ? error.message : String(error) });
      response.destroy();
    });
  };
}

async function handle(deps: RequestHandlerDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { state } = deps;
  const started = performance.now();
  const requestId = pickRequestId(request.headers['x-request-id']);
  const log = deps.log.child({ requestId });
  let path = 'malformed';
  let route: Route | undefined;
  response.setHeader('x-request-id', requestId);
  try {
    path = parseRequestTarget(request).path;
    route = deps.routes.find((candidate) => candidate.path === path && candidate.method === request.method);
    if (!route) {
      const known = deps.routes.some((candidate) => candidate.path === path);
      throw known ? new BrowseError('METHOD_NOT_ALLOWED', `${request.method ?? '?'} is not allowed on ${path}`) : new BrowseError('NOT_FOUND', `no route ${path}`);
    }
    if (route.auth) authenticate(request, state.config.token);
    const result = route.kind === 'plain' ? await route.handle(state, request, log) : await runBrowserRoute(deps, route, request, response);
    send(response, result.status ?? 200, { 'content-type': result.contentType }, result.body);
  } catch (error) {
    if (error instanceof QueueFullError) state.metrics.observeRejected();
    const mapped = toErrorResponse(error, requestId);
    if (mapped.status >= 500) {
      log.error('request failed', { error: error instanceof Error ? error.message : String(error), cause: causeOf(error), stack: error instanceof Error ? error.stack : undefined });
    }
    if (!request.complete) {
      // The body was refused before it was read: discard the rest, then close.
      response.setHeader('connection', 'close');
      request.resume();
    }
    send(response, mapped.status, { 'content-type': 'application/json', ...mapped.headers }, JSON.stringify(mapped.body));
  } finally {
    const seconds = (performance.now() - started) / 1000;
    const status = response.statusCode;
    state.metrics.observeRequest(route?.path ?? 'unmatched', status, seconds);
    log.info('request', { method: request.method, path, status, ms: Math.round(seconds * 1000) });
  }
}

async function runBrowserRoute(deps: RequestHandlerDeps, route: Extract<Route, { kind: 'browser' }>, request: IncomingMessage, response: ServerResponse): Promise<RouteResult> {
  const { config, limiter, pool } = deps.state;
  const body = await readJsonBody(request, route.bodySchema, config.maxBodyBytes);
  const requested = (body as { timeout?: number }).timeout;
  const timeoutMs = Math.min(requested ?? config.timeoutMs, config.timeoutMs);
  const gone = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) gone.abort(new UnavailableError('the client closed the connection'));
  });
  // One signal bounds the whole request, queue wait included.
  const signal = AbortSignal.any([timeoutSignal(timeoutMs), gone.signal]);
  return limiter.run(() => pool.withPage((page) => route.render(page, body, { guard: deps.guard, signal }), signal), signal);
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

function causeOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
}
