import type { PlainRoute } from '../route.js';

/**
 * `GET /health` — 200 only while a browser is connected, the service is not draining and
 * no job has held a limiter slot longer than any job may last (`degraded`, 503: a slot
 * that is never given back would otherwise leave a "ready" service that answers every
 * render with 504). Open without a token so that orchestrators can probe it.
 */
export const healthRoute: PlainRoute = {
  kind: 'plain',
  method: 'GET',
  path: '/health',
  auth: false,
  handle: async (state) => {
    const stuck = state.limiter.oldestHeldMs() > state.stuckAfterMs;
    const ready = state.pool.ready && !state.draining() && !stuck;
    const status = ready ? 'ready' : state.draining() ? 'draining' : stuck ? 'degraded' : 'starting';
    const body = { status, running: state.limiter.running, queued: state.limiter.queued, oldestJobMs: state.limiter.oldestHeldMs() };
    return { status: ready ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) };
  },
};
