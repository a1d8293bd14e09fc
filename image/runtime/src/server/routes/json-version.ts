import type { PlainRoute } from '../route.js';
import { timeoutSignal } from '../../abort.js';
import { BrowseError } from '../../errors.js';
import { parseRequestTarget } from '../request-target.js';

/**
 * `GET /json/version` — what Chromium's own endpoint says, with `webSocketDebuggerUrl`
 * pointing at this service's CDP endpoint (BROWSE_PUBLIC_URL, else the listen address).
 */
export const jsonVersionRoute: PlainRoute = {
  kind: 'plain',
  method: 'GET',
  path: '/json/version',
  auth: true,
  handle: async (state, request) => {
    if (!state.config.cdp) throw new BrowseError('NOT_FOUND', 'no route /json/version (the CDP endpoint is off; BROWSE_CDP=on enables it)');
    const browser = await state.pool.browser(timeoutSignal(state.config.timeoutMs));
    // The warm browser speaks CDP over a pipe (no port to fetch /json/version from), so
    // build the same document from Browser.getVersion.
    const session = await browser.target().createCDPSession();
    const version = await session.send('Browser.getVersion').finally(() => void session.detach().catch(() => undefined));
    // Built from configuration, never from the request's Host header: a forged Host must
    // not steer a client (or a cache in front of the service) to another endpoint.
    const endpoint = new URL(state.cdpEndpoint());
    const token = parseRequestTarget(request).query.get('token');
    if (token !== null && token === state.config.token) endpoint.searchParams.set('token', token);
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
