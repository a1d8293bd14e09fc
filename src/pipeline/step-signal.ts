import { CancelledError, TimeoutError } from '../errors.js';
import { timeoutSignal } from '../timeout-signal.js';

/**
 * Runs one step under the pipeline's signal plus the step's own time limit, so a hung
 * build or push is stopped (its child process killed) and reported as a timeout rather
 * than as a cancellation.
 */
export async function withStepTimeout<T>(what: string, parent: AbortSignal, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = timeoutSignal(timeoutMs);
  const signal = AbortSignal.any([parent, timeout]);
  try {
    const result = await work(signal);
    if (timeout.aborted && !parent.aborted) throw timeoutError(what, timeoutMs);
    return result;
  } catch (error) {
    if (timeout.aborted && !parent.aborted) throw timeoutError(what, timeoutMs, error);
    // Once the pipeline is cancelled, whatever the killed step threw is a consequence.
    if (parent.aborted && !(error instanceof CancelledError)) throw new CancelledError(`${what} cancelled`, { cause: error });
    throw error;
  }
}

function timeoutError(what: string, ms: number, cause?: unknown): TimeoutError {
  return new TimeoutError(`${what} exceeded its ${Math.round(ms / 1000)} s limit`, { cause });
}
