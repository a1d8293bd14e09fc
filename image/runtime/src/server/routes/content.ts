import { renderContent } from '../../render/content.js';
import { contentSchema } from '../../render/options.js';
import { defineBrowserRoute } from '../route.js';

/** `POST /content` — JSON body per `contentSchema`; answers the rendered HTML. */
export const bodySchema = contentSchema;

export const contentRoute = defineBrowserRoute({
  kind: 'browser',
  method: 'POST',
  path: '/content',
  auth: true,
  bodySchema,
  render: async (page, body, context) => ({
    contentType: 'text/html; charset=utf-8',
    body: await renderContent(page, body, context),
  }),
});
