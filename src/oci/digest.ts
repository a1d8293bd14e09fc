import { createHash } from 'node:crypto';
import { BadInputError } from '../errors.js';

/**
 * A content digest, `sha256:<64 lowercase hex>`. Only sha256 is produced or accepted: it is
 * the only algorithm every registry and the image-spec require.
 */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

/** Validates a digest from untrusted input; the message names what was wrong. */
export function parseDigest(value: string, what = 'digest'): Digest {
  if (isDigest(value)) return value;
  if (/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:/.test(value) && !value.startsWith('sha256:')) {
    throw new BadInputError(`unsupported ${what} algorithm in "${value}": only sha256 is supported`);
  }
  throw new BadInputError(`invalid ${what} "${value}": expected sha256:<64 lowercase hex digits>`);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `sha256:0123456789ab` — for tables and messages, never for lookups. */
export function shortDigest(digest: string, length = 12): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, length)}`;
}
