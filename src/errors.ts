/**
 * The error vocabulary of the whole project. Every failure a user can cause or meet is a
 * `MultiarchError` subclass with a stable `code`; the CLI maps codes to exit statuses in
 * one place (`src/cli/exit-codes.ts`). Messages are one line and say what to do next.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'CONFIG'
  | 'HOST_SETUP'
  | 'BUILD_FAILED'
  | 'TEST_FAILED'
  | 'REGISTRY'
  | 'NOT_FOUND'
  | 'AUTH'
  | 'DIGEST_MISMATCH'
  | 'VERIFY_FAILED'
  | 'CONFLICT'
  | 'SIGNING'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'INTERNAL';

export class MultiarchError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value from the user (flag, argument, file) is malformed. */
export class BadInputError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_INPUT', message, options);
  }
}

/** A configuration field is missing or invalid; the message names the field. */
export class ConfigError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}

/** The host lacks something (root, dockerd, binfmt, a package) that a step needs. */
export class HostSetupError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HOST_SETUP', message, options);
  }
}

export class BuildFailedError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUILD_FAILED', message, options);
  }
}

export class SmokeTestFailedError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TEST_FAILED', message, options);
  }
}

/**
 * Signing or attesting a release failed (cosign exited non-zero, the key could not be used).
 * Publishing stops before any tag moves: an unsigned release is never published.
 */
export class SigningError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIGNING', message, options);
  }
}

/** The operation was aborted through its AbortSignal (Ctrl-C, SIGTERM, a sibling failed). */
export class CancelledError extends MultiarchError {
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super('CANCELLED', message, options);
  }
}

/**
 * Another run holds the target (its lock, with --no-wait), or moved the tag since this run
 * started (without --force): publishing now would silently overwrite someone else's work.
 */
export class ConflictError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

export class TimeoutError extends MultiarchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMEOUT', message, options);
  }
}

/** Adds context ("pushing index app:latest: …") while keeping the original code and cause. */
export function wrapError(context: string, error: unknown): MultiarchError {
  if (error instanceof MultiarchError) {
    const wrapped = new MultiarchError(error.code, `${context}: ${error.message}`, { cause: error });
    return wrapped;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new MultiarchError('INTERNAL', `${context}: ${message}`, { cause: error });
}

/** Throws CancelledError if the signal has fired; call between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) {
    throw new CancelledError(`${what} cancelled`, { cause: signal.reason });
  }
}
