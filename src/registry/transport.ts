import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { CancelledError } from '../errors.js';
import { TransportError } from './errors.js';
import type { HttpRequest, HttpResponse, Sender } from './http.js';
import { withRetry, type RetryOptions } from './retry.js';
import { timeoutSignal } from '../timeout-signal.js';

export const USER_AGENT = 'puppeteer-multiarch/0.1';
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * Keep-alive connections to registries, shared by every client of a session: a step after
 * the first reuses an open connection (and TLS session) instead of opening its own.
 *
 * Node's own HTTP client rather than undici: a CLI run makes a handful of small requests,
 * and undici costs ~100 ms of CPU before its first one (loading it, and compiling its
 * WebAssembly HTTP parser), more than the whole run against a loopback registry; node:http
 * parses in C++ that is already loaded.
 */
export interface ConnectionPool {
  readonly http: HttpAgent;
  /** Created on first use: node:https (and TLS) is loaded only for an HTTPS registry. */
  https(): Https.Agent;
  /** Closes idle connections and refuses new requests. */
  close(): void;
}

type HttpsModule = typeof Https;
let httpsModule: HttpsModule | undefined;
/** node:https on demand (synchronously: it is a built-in); a loopback run never loads TLS. */
function loadHttps(): HttpsModule {
  httpsModule ??= createRequire(import.meta.url)('node:https') as HttpsModule;
  return httpsModule;
}

export function createConnectionPool(options: { readonly skipTlsVerify?: boolean } = {}): ConnectionPool {
  const http = new HttpAgent({ keepAlive: true });
  let https: Https.Agent | undefined;
  return {
    http,
    https: () => (https ??= new (loadHttps().Agent)({ keepAlive: true, rejectUnauthorized: !options.skipTlsVerify })),
    close: () => {
      http.destroy();
      https?.destroy();
    },
  };
}

export interface BaseTransportOptions {
  /** Whole-request limit (connect, headers and body), per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Skip TLS certificate checks (insecure registries, as Docker does for them). */
  readonly skipTlsVerify?: boolean;
  /**
   * Connections to send through (a session's shared pool). Not closed by this transport:
   * its owner closes it. Default: a pool of this transport's own.
   */
  readonly pool?: ConnectionPool;
}

export interface Transport {
  readonly send: Sender;
  close(): Promise<void>;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describeNetworkError(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  // one line: OpenSSL errors, for one, come with several
  const message = (err.message ?? String(error)).split('\n')[0]?.trim() ?? '';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Reads the whole body, refusing more than `limit` bytes; rejects if the connection drops mid-body. */
function readBody(response: IncomingMessage, limit: number, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        response.destroy();
        reject(new TransportError(`response from ${url} is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks, total)));
    response.on('error', reject);
    // A connection closed before the body ended: Node emits 'aborted'/'close' without 'end'.
    response.on('close', () => {
      if (!response.complete) reject(new TransportError(`connection closed while reading the response from ${url}`));
    });
  });
}

/**
 * The bottom layer: one HTTP exchange with a per-attempt timeout, manual redirects
 * (dropping credentials when the origin changes, as blob storage redirects must not see
 * registry tokens) and a fully read, length-checked body.
 */
export function createBaseTransport(options: BaseTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const owned = options.pool ? undefined : createConnectionPool({ skipTlsVerify: options.skipTlsVerify });
  const pool = options.pool ?? (owned as ConnectionPool);
  const userAgent = options.userAgent ?? USER_AGENT;

  function exchange(req: HttpRequest, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const https = url.protocol === 'https:';
      const send = https ? loadHttps().request : httpRequest;
      const request = send(url, { method: req.method, headers: { 'user-agent': userAgent, ...headers }, agent: https ? pool.https() : pool.http, signal }, (response) => {
        const responseHeaders = flattenHeaders(response.headers);
        const done = (body: Buffer): void => resolve({ status: response.statusCode ?? 0, headers: responseHeaders, body, url: url.toString() });
        if (req.method === 'HEAD') {
          response.resume();
          response.on('end', () => done(Buffer.alloc(0)));
          response.on('error', reject);
          return;
        }
        readBody(response, req.maxBodyBytes ?? DEFAULT_MAX_BODY, url.toString()).then(done, reject);
      });
      request.on('error', reject);
      request.end(req.body);
    });
  }

  async function once(req: HttpRequest, url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const timeout = timeoutSignal(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const response = await exchange(req, new URL(url), headers, signal);
      const declared = response.headers['content-length'];
      if (req.method !== 'HEAD' && declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== response.body.length) {
        throw new TransportError(`truncated response from ${url}: ${response.body.length} of ${declared} bytes`);
      }
      return response;
    } catch (error) {
      if (req.signal?.aborted) throw new CancelledError(`${req.method} ${url} cancelled`, { cause: req.signal.reason });
      if (timeout.aborted) throw new TransportError(`${req.method} ${url} timed out after ${timeoutMs} ms`, { cause: error, timedOut: true });
      if (error instanceof TransportError) throw error;
      throw new TransportError(`${req.method} ${url} failed: ${describeNetworkError(error)}`, { cause: error });
    }
  }

  const send: Sender = async (req) => {
    let url = req.url;
    let headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body) headers['content-length'] = String(req.body.length);
    for (let hop = 0; ; hop++) {
      const response = await once(req, url, headers);
      const location = response.headers['location'];
      const redirect = [301, 302, 303, 307, 308].includes(response.status) && location && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect || hop >= MAX_REDIRECTS) return response;
      const next = new URL(location, url);
      if (next.origin !== new URL(url).origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
      }
      url = next.toString();
    }
  };

  return { send, close: async () => owned?.close() };
}

export interface TransportOptions extends BaseTransportOptions {
  readonly retry?: RetryOptions;
}

/** Base transport with the retry layer on top; the auth layer wraps this (see client.ts). */
export function createRetryingTransport(options: TransportOptions = {}): Transport {
  const base = createBaseTransport(options);
  return { send: withRetry(base.send, options.retry), close: base.close };
}
