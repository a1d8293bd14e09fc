import { MultiarchError, type ErrorCode } from '../errors.js';

/**
 * The only place errors become exit statuses. Distinct codes let CI scripts tell a broken
 * build from a failed smoke test from a registry outage without parsing messages.
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  INTERNAL: 1,
  BAD_INPUT: 2,
  CONFIG: 2,
  BUILD_FAILED: 3,
  TEST_FAILED: 4,
  REGISTRY: 5,
  NOT_FOUND: 5,
  AUTH: 5,
  DIGEST_MISMATCH: 5,
  VERIFY_FAILED: 6,
  HOST_SETUP: 7,
  TIMEOUT: 8,
  CONFLICT: 9,
  SIGNING: 10,
  CANCELLED: 130,
};

export function exitCodeFor(error: unknown): number {
  return error instanceof MultiarchError ? EXIT_CODES[error.code] : 1;
}
