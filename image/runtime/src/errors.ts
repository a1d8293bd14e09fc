/**
 * The runtime's error vocabulary. Every failure a caller can cause or meet is a
 * `BrowseError` with a stable `code`; the service maps codes to HTTP statuses only in
 * `server/http-errors.ts` and the CLI to exit statuses only in `cli.ts`. Messages are one
 * line, safe to show to a client, and say what to do next.
 */
export type BrowseErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE'
  | 'QUEUE_FULL'
  | 'NAVIGATION_FAILED'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'CONFIG'
  | 'INTERNAL';

export class BrowseError extends Error {
  readonly code: BrowseErrorCode;

  constructor(code: BrowseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Malformed or unsupported input: a body, a flag, a URL. */
export class BadRequestError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', message, options);
  }
}

/** Valid input the page makes impossible to honour (a full-page capture past the pixel limit). */
export class UnprocessableError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNPROCESSABLE', message, options);
  }
}

/** Service or CLI configuration is missing or invalid; the message names the setting. */
export class ConfigError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}

/** The SSRF guard refused a URL (main document, redirect or sub-resource). */
export class SsrfBlockedError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FORBIDDEN', message, options);
  }
}

/** The limiter is full (running + queued); the client should retry later. */
export class QueueFullError extends BrowseError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super('QUEUE_FULL', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The page could not be loaded (DNS, connection refused, HTTP-level failure, crash). */
export class NavigationError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NAVIGATION_FAILED', message, options);
  }
}

export class TimeoutError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMEOUT', message, options);
  }
}

/** No browser, or the service is draining for shutdown. */
export class UnavailableError extends BrowseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

/** Turns an abort reason into the error the caller should see (timeout vs shutdown). */
export function abortError(signal: AbortSignal, what: string): BrowseError {
  const reason: unknown = signal.reason;
  if (reason instanceof BrowseError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(`${what} timed out`, { cause: reason });
  }
  return new UnavailableError(`${what} was cancelled`, { cause: reason });
}
