import { CancelledError } from '../errors.js';
import { TransportError } from './errors.js';
import type { HttpRequest, HttpResponse, Sender } from './http.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  readonly retries?: number;
  /** First backoff delay; doubles each attempt, with jitter (default 200 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured; a longer one fails fast instead of hanging (default 60 s). */
  readonly maxRetryAfterMs?: number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds; undefined if absent/bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(attempt: number, options: RetryOptions, random = Math.random): number {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const exponential = Math.min(max, base * 2 ** attempt);
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('request cancelled', { cause: signal.reason }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError('request cancelled', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retry layer: repeats a request on 408/429/5xx and on network failures (reset, refused,
 * truncated body, timeout) with exponential backoff, honouring `Retry-After`. The last
 * response is returned as-is when retries run out, so the caller reports the registry's
 * own error; the last network error is rethrown.
 */
export function withRetry(send: Sender, options: RetryOptions = {}): Sender {
  const retries = options.retries ?? 4;
  return async (request: HttpRequest): Promise<HttpResponse> => {
    for (let attempt = 0; ; attempt++) {
      let delay: number;
      try {
        const response = await send(request);
        if (!isRetryableStatus(response.status) || attempt >= retries) return response;
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        if (retryAfter !== undefined && retryAfter > (options.maxRetryAfterMs ?? 60_000)) return response;
        delay = retryAfter ?? backoffDelay(attempt, options);
      } catch (error) {
        if (!(error instanceof TransportError) || attempt >= retries || request.signal?.aborted) throw error;
        delay = backoffDelay(attempt, options);
      }
      await sleep(delay, request.signal);
    }
  };
}
