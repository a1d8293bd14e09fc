import { BrowseError, QueueFullError, type BrowseErrorCode } from '../errors.js';

/** The only place errors become HTTP statuses. */
export const HTTP_STATUS: Readonly<Record<BrowseErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  QUEUE_FULL: 429,
  NAVIGATION_FAILED: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  CONFIG: 500,
  INTERNAL: 500,
};

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: { readonly code: BrowseErrorCode; readonly message: string; readonly requestId: string } };
}

/**
 * Maps any thrown value to what the client sees. Only BrowseError messages (written to be
 * shown) reach the client; anything else becomes a bare 500 whose details stay in the log
 * under the same request id.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof BrowseError && error.code !== 'INTERNAL' && error.code !== 'CONFIG') {
    const headers: Record<string, string> = {};
    if (error instanceof QueueFullError) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer realm="browse"';
    return { status: HTTP_STATUS[error.code], headers, body: { error: { code: error.code, message: error.message, requestId } } };
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'INTERNAL', message: 'internal error; the service log has details under this request id', requestId } },
  };
}
