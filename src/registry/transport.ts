import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { CancelledError } from '../errors.js';
import { TransportError } from './errors.js';
import type { HttpRequest, HttpResponse, Sender } from './http.js';
import { withRetry, type RetryOptions } from './retry.js';
import { timeoutSignal } from '../timeout-signal.js';

export const USER_AGENT = 'puppeteer-multiarch/0.1';
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface BaseTransportOptions {
  /** Whole-request limit (connect, headers and body), per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Skip TLS certificate checks (insecure registries, as Docker does for them). */
  readonly skipTlsVerify?: boolean;
}

export interface Transport {
  readonly send: Sender;
  close(): Promise<void>;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describeNetworkError(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  const message = err.message ?? String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

async function readBody(body: Dispatcher.ResponseData['body'], limit: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > limit) {
      body.destroy();
      throw new TransportError(`response from ${url} is larger than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The bottom layer: one HTTP exchange through undici with a per-attempt timeout, manual
 * redirects (dropping credentials when the origin changes, as blob storage redirects must
 * not see registry tokens) and a fully read, length-checked body.
 */
export function createBaseTransport(options: BaseTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agent = new Agent({
    connect: { rejectUnauthorized: !options.skipTlsVerify, timeout: timeoutMs },
    keepAliveTimeout: 4_000,
  });
  const userAgent = options.userAgent ?? USER_AGENT;

  async function once(req: HttpRequest, url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const timeout = timeoutSignal(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const response = await undiciRequest(url, {
        method: req.method,
        headers: { 'user-agent': userAgent, ...headers },
        body: req.body,
        dispatcher: agent,
        signal,
      });
      const responseHeaders = flattenHeaders(response.headers);
      const body = req.method === 'HEAD' ? (await response.body.dump(), Buffer.alloc(0)) : await readBody(response.body, req.maxBodyBytes ?? DEFAULT_MAX_BODY, url);
      const declared = responseHeaders['content-length'];
      if (req.method !== 'HEAD' && declared !== undefined && /^\d+$/.test(declared) && Number(declared) !== body.length) {
        throw new TransportError(`truncated response from ${url}: ${body.length} of ${declared} bytes`);
      }
      return { status: response.statusCode, headers: responseHeaders, body, url };
    } catch (error) {
      if (req.signal?.aborted) throw new CancelledError(`${req.method} ${url} cancelled`, { cause: req.signal.reason });
      if (error instanceof TransportError) throw error;
      if (timeout.aborted) throw new TransportError(`${req.method} ${url} timed out after ${timeoutMs} ms`, { cause: error, timedOut: true });
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

  return { send, close: () => agent.close() };
}

export interface TransportOptions extends BaseTransportOptions {
  readonly retry?: RetryOptions;
}

/** Base transport with the retry layer on top; the auth layer wraps this (see client.ts). */
export function createRetryingTransport(options: TransportOptions = {}): Transport {
  const base = createBaseTransport(options);
  return { send: withRetry(base.send, options.retry), close: base.close };
}
