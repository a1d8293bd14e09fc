import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BrowseError } from '../errors.js';

/**
 * Checks the token from `Authorization: Bearer …`, `X-Browse-Token` or `?token=`;
 * throws UNAUTHORIZED otherwise. `expected === null` means auth is off.
 */
export function authenticate(request: IncomingMessage, expected: string | null): void {
  if (expected === null) return;
  const presented = presentedToken(request);
  if (presented === null) throw new BrowseError('UNAUTHORIZED', 'token required: send Authorization: Bearer <token> or ?token=<token>');
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  if (!timingSafeEqual(a, b)) throw new BrowseError('UNAUTHORIZED', 'invalid token');
}

function presentedToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match?.[1]) return match[1];
  }
  const custom = request.headers['x-browse-token'];
  if (typeof custom === 'string' && custom !== '') return custom;
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
  return query === null || query === '' ? null : query;
}
