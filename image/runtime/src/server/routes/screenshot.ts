import { renderScreenshot } from '../../render/screenshot.js';
import { screenshotSchema } from '../../render/options.js';
import { defineBrowserRoute } from '../route.js';

/** `POST /screenshot` — JSON body per `screenshotSchema`; answers the image. */
export const bodySchema = screenshotSchema;

export const screenshotRoute = defineBrowserRoute({
  kind: 'browser',
  method: 'POST',
  path: '/screenshot',
  auth: true,
  bodySchema,
  render: async (page, body, context) => ({
    contentType: `image/${body.type}`,
    body: await renderScreenshot(page, body, context),
  }),
});
