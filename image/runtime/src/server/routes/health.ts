import type { PlainRoute } from '../route.js';

/**
 * `GET /health` — 200 only while a browser is connected and the service is not draining;
 * open without a token so that orchestrators can probe it.
 */
export const healthRoute: PlainRoute = {
  kind: 'plain',
  method: 'GET',
  path: '/health',
  auth: false,
  handle: async (state) => {
    const ready = state.pool.ready && !state.draining();
    const body = { status: ready ? 'ready' : state.draining() ? 'draining' : 'starting', running: state.limiter.running, queued: state.limiter.queued };
    return { status: ready ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) };
  },
};
