import { MultiarchError, type ErrorCode } from '../errors.js';

export interface RegistryErrorDetails {
  /** HTTP status, when the registry answered. */
  readonly status?: number;
  /** First `errors[].code` from the registry's JSON error body (`MANIFEST_UNKNOWN`, …). */
  readonly registryCode?: string;
  readonly cause?: unknown;
}

/** The registry refused or failed a request, or could not be reached. */
export class RegistryError extends MultiarchError {
  readonly status?: number;
  readonly registryCode?: string;

  constructor(message: string, details: RegistryErrorDetails = {}, code: ErrorCode = 'REGISTRY') {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.registryCode = details.registryCode;
  }
}

/** A manifest, blob or repository does not exist (HTTP 404 / `*_UNKNOWN`). */
export class NotFoundError extends RegistryError {
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'NOT_FOUND');
  }
}

/** Credentials missing, rejected, or not allowed the requested scope. */
export class AuthError extends RegistryError {
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'AUTH');
  }
}

/** The registry does not offer this operation (deletion disabled, tags not deletable). */
export class UnsupportedOperationError extends RegistryError {
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'REGISTRY');
  }
}

/** Content did not hash to the digest it was fetched or pushed by. */
export class DigestMismatchError extends RegistryError {
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'DIGEST_MISMATCH');
  }
}

/** A network-level failure (reset, refused, truncated body, timeout); retryable. */
export class TransportError extends RegistryError {
  readonly timedOut: boolean;

  constructor(message: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(message, { cause: options.cause }, options.timedOut ? 'TIMEOUT' : 'REGISTRY');
    this.timedOut = options.timedOut ?? false;
  }
}

/** Reads `errors[0]` of a distribution-spec error body, if it is one. */
export function registryErrorFromBody(body: Buffer): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    return {
      code: typeof first?.code === 'string' ? first.code : undefined,
      message: typeof first?.message === 'string' ? first.message : undefined,
    };
  } catch {
    return {};
  }
}
