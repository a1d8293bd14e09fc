import type { PlainRoute } from '../route.js';
import { timeoutSignal } from '../../abort.js';

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
    const browser = await state.pool.browser(timeoutSignal(state.config.timeoutMs));
    // The warm browser speaks CDP over a pipe (no port to fetch /json/version from), so
    // build the same document from Browser.getVersion.
    const session = await browser.target().createCDPSession();
    const version = await session.send('Browser.getVersion').finally(() => void session.detach().catch(() => undefined));
    const endpoint = new URL(`ws://${request.headers.host ?? 'localhost'}/devtools/browser`);
    const token = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
    if (token) endpoint.searchParams.set('token', token);
    const body = {
      Browser: version.product,
      'Protocol-Version': version.protocolVersion,
      'User-Agent': version.userAgent,
      'V8-Version': version.jsVersion,
      'WebKit-Version': version.revision,
      webSocketDebuggerUrl: endpoint.toString(),
    };
    return { contentType: 'application/json', body: JSON.stringify(body) };
  },
};
