import type { PlainRoute } from '../route.js';

/** `GET /metrics` — Prometheus text; behind the token like everything but /health. */
export const metricsRoute: PlainRoute = {
  kind: 'plain',
  method: 'GET',
  path: '/metrics',
  auth: true,
  handle: async (state) => ({
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    body: state.metrics.render({
      queued: () => state.limiter.queued,
      running: () => state.limiter.running,
      browserReady: () => state.pool.ready,
      cdpSessions: state.cdpSessions,
    }),
  }),
};
