import type { HTTPRequest, HTTPResponse, Page } from 'puppeteer-core';
import { BadRequestError, BrowseError, NavigationError, SsrfBlockedError } from '../errors.js';
import { EGRESS_HEADER } from '../ssrf/egress-proxy.js';
import type { SsrfGuard } from '../ssrf/guard.js';
import type { NavigationOptions } from './options.js';

export interface NavigateContext {
  /** Absent for the one-shot CLI, which fetches what its user asks for. */
  readonly guard?: SsrfGuard;
  readonly signal: AbortSignal;
}

// Schemes that carry their content inline and open no connection.
const INLINE_SCHEMES = new Set(['data:', 'blob:', 'about:']);
const CLI_SCHEMES = new Set(['http:', 'https:', 'file:', 'data:']);

/**
 * Opens `options.url` in `page` and waits as asked. With a guard, the main URL is checked
 * before anything loads, and request interception checks every later request — redirects
 * and sub-resources — so that a refused main document fails the job with the guard's
 * reason while refused sub-resources are merely not loaded.
 */
export async function navigate(page: Page, options: NavigationOptions, context: NavigateContext): Promise<void> {
  const { guard, signal } = context;
  if (guard) {
    await guard.checkUrl(options.url, signal);
  } else if (!CLI_SCHEMES.has(new URL(options.url).protocol)) {
    throw new BadRequestError(`unsupported URL scheme ${new URL(options.url).protocol} (use http, https, file or data)`);
  }
  if (options.viewport) await page.setViewport(options.viewport);
  let blocked: BrowseError | null = null;
  if (guard) {
    await page.setRequestInterception(true);
    page.on('request', (request: HTTPRequest) => {
      if (request.isInterceptResolutionHandled()) return;
      const url = request.url();
      if (INLINE_SCHEMES.has(new URL(url).protocol)) {
        void request.continue().catch(() => undefined);
        return;
      }
      guard.checkUrl(url, signal).then(
        () => request.continue().catch(() => undefined),
        (error: unknown) => {
          if (request.isNavigationRequest() && request.frame() === page.mainFrame() && error instanceof BrowseError) blocked ??= error;
          return request.abort('blockedbyclient').catch(() => undefined);
        },
      );
    });
  }
  let response: HTTPResponse | null;
  try {
    // The job's signal bounds the whole navigation; puppeteer's own timer stays off.
    response = await page.goto(options.url, { waitUntil: options.waitUntil, timeout: 0, signal });
  } catch (error) {
    if (blocked) throw blocked;
    if (signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const netError = /net::ERR_[A-Z_]+/.exec(message)?.[0];
    throw new NavigationError(`cannot load ${options.url}${netError ? `: ${netError}` : ''}`, { cause: error });
  }
  if (blocked) throw blocked;
  // Our egress proxy's own answer (nothing listening, refused): Chromium renders it as an
  // error page with a status, but the job did not load the page it was asked for.
  const egress = response?.headers()[EGRESS_HEADER];
  if (egress === 'unreachable') throw new NavigationError(`cannot load ${options.url}: the origin is unreachable`);
  if (egress === 'blocked') throw new SsrfBlockedError(`blocked ${options.url} by the SSRF guard`);
  if (options.waitForSelector) {
    await page.waitForSelector(options.waitForSelector, { timeout: 0, signal });
  }
}
