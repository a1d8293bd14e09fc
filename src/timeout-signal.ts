/**
 * Like `AbortSignal.timeout(ms)`, but safe inside `AbortSignal.any([...])`: Node holds the
 * sources of a composite signal weakly, and a bare `AbortSignal.timeout` that nothing
 * else references can be garbage-collected before it fires — the composite then never
 * aborts (seen here: a 1 s request timeout that waited for a 180 s protocol timeout).
 * The pending timer keeps this controller alive until it fires; `unref` keeps it from
 * holding the process open. Aborts with the same `TimeoutError` DOMException.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException(`The operation was aborted due to timeout`, 'TimeoutError')), ms).unref();
  return controller.signal;
}
