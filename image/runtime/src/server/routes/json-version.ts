import { UnavailableError } from '../../errors.js';
import type { PlainRoute } from '../route.js';

/**
 * `GET /json/version` — what Chromium's own endpoint says, with `webSocketDebuggerUrl`
 * pointing at this service's CDP proxy (same host the client used, same token).
 */
export const jsonVersionRoute: PlainRoute = {
  kind: 'plain',
  method: 'GET',
  path: '/json/version',
  auth: true,
  handle: async (state, request) => {
    const browser = await state.pool.browser(AbortSignal.timeout(state.config.timeoutMs));
    const debugUrl = new URL('/json/version', browser.wsEndpoint().replace(/^ws/, 'http'));
    const response = await fetch(debugUrl, { signal: AbortSignal.timeout(5000) }).catch((error: unknown) => {
      throw new UnavailableError('the browser did not answer /json/version', { cause: error });
    });
    const version = (await response.json()) as Record<string, unknown>;
    const endpoint = new URL(`ws://${request.headers.host ?? 'localhost'}/devtools/browser`);
    const token = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
    if (token) endpoint.searchParams.set('token', token);
    const body = { ...version, webSocketDebuggerUrl: endpoint.toString() };
    return { contentType: 'application/json', body: JSON.stringify(body) };
  },
};
