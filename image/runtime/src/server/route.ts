import type { IncomingMessage } from 'node:http';
import type { Page } from 'puppeteer-core';
import type { z } from 'zod';
import type { BrowserPool } from '../browser/browser-pool.js';
import type { ServiceConfig } from '../config.js';
import type { Limiter } from '../limiter.js';
import type { Logger } from '../log.js';
import type { NavigateContext } from '../render/navigate.js';
import type { Metrics } from './metrics.js';

/** What a route sends back on success. */
export interface RouteResult {
  readonly status?: number;
  readonly contentType: string;
  readonly body: Buffer | string;
}

/** Shared service state a route may read. */
export interface ServiceState {
  readonly config: ServiceConfig;
  readonly pool: BrowserPool;
  readonly limiter: Limiter;
  readonly metrics: Metrics;
  readonly draining: () => boolean;
  readonly cdpSessions: () => number;
  /** A slot held longer than this is leaked (no job may last that long): /health says degraded. */
  readonly stuckAfterMs: number;
  /** The CDP endpoint advertised by /json/version (never built from the request's Host). */
  readonly cdpEndpoint: () => string;
}

interface RouteBase {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Whether the token is required (when auth is on). */
  readonly auth: boolean;
}

/**
 * A route that renders a page: the server validates the JSON body with `bodySchema`,
 * takes a limiter slot and a fresh browser context, and calls `render`.
 */
export interface BrowserRoute<Schema extends z.ZodType = z.ZodType> extends RouteBase {
  readonly kind: 'browser';
  readonly bodySchema: Schema;
  readonly render: (page: Page, body: z.infer<Schema>, context: NavigateContext) => Promise<RouteResult>;
}

/** A route answered from service state alone (health, metrics, version). */
export interface PlainRoute extends RouteBase {
  readonly kind: 'plain';
  readonly handle: (state: ServiceState, request: IncomingMessage, log: Logger) => Promise<RouteResult>;
}

export type Route = BrowserRoute | PlainRoute;

/** Identity helper that keeps the body type of a browser route. */
export function defineBrowserRoute<Schema extends z.ZodType>(route: BrowserRoute<Schema>): BrowserRoute<Schema> {
  return route;
}
