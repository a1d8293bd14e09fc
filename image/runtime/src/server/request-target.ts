import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '../errors.js';

// A DNS name, an IPv4 literal or a bracketed IPv6 literal, with an optional port: what RFC
// 9110 allows in Host. Anything else is refused before it reaches URL parsing.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_HEADER = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9A-Fa-f:.]{2,45}\\])(?::\\d{1,5})?$`);

/**
 * The path and query of a request, after checking its Host header and target. Node's
 * parser lets through a `Host: [::1` or an absolute-form target that `new URL` rejects;
 * that must be the client's 400, not a 500 or an exception outside any handler.
 */
export function parseRequestTarget(request: IncomingMessage): { readonly path: string; readonly query: URLSearchParams } {
  const host = request.headers.host;
  if (host !== undefined && !HOST_HEADER.test(host)) throw new BadRequestError('malformed Host header');
  const target = request.url ?? '/';
  let parsed: URL;
  try {
    parsed = new URL(target, 'http://localhost');
  } catch {
    throw new BadRequestError('malformed request target');
  }
  return { path: parsed.pathname, query: parsed.searchParams };
}
