import { abortError } from './errors.js';

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts (with a TimeoutError or
 * UnavailableError naming `what`). The work itself is cancelled by whoever owns it — here,
 * by closing the browser context in `finally`.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Like `AbortSignal.timeout(ms)`, but safe inside `AbortSignal.any([...])`: Node holds the
 * sources of a composite signal weakly, and a bare `AbortSignal.timeout` nothing else
 * references can be garbage-collected before it fires, so the request never times out
 * (seen in tests: a 1 s job timeout waited for the 180 s protocol timeout). The pending
 * timer keeps this controller alive until it fires; `unref` keeps the process free to exit.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
  return controller.signal;
}
