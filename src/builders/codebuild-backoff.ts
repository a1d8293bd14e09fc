import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError } from '../errors.js';

/** Errors CodeBuild and CloudWatch Logs return when the caller is rate-limited. */
const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling', 'LimitExceededException']);

export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $retryable?: { throttling?: boolean } };
  return THROTTLING.has(e.name ?? '') || e.$retryable?.throttling === true;
}

/**
 * Poll interval that grows by half each quiet poll up to `max`, doubles on throttling,
 * and carries ±20 % jitter so parallel arches do not poll in lockstep (the Jenkins plugin
 * polled at a fixed rate and was throttled under load).
 */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = initialMs;
  }

  next(throttled: boolean): number {
    this.current = Math.min(this.maxMs, throttled ? this.current * 2 : this.current * 1.5);
    return this.jittered();
  }

  reset(): void {
    this.current = this.initialMs;
  }

  jittered(): number {
    return Math.round(this.current * (0.8 + 0.4 * this.random()));
  }
}

/** Sleeps unless the signal fires first; then throws CancelledError. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw new CancelledError('cancelled while waiting', { cause: error });
  }
}

/** Retries `call` while it is throttled, backing off; other errors are thrown at once. */
export async function callWithThrottleRetry<T>(call: () => Promise<T>, backoff: Backoff, signal: AbortSignal, onThrottle?: (waitMs: number) => void): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || signal.aborted) throw error;
      const wait = backoff.next(true);
      onThrottle?.(wait);
      await pause(wait, signal);
    }
  }
}
