import { renderPdf } from '../../render/pdf.js';
import { pdfSchema } from '../../render/options.js';
import { defineBrowserRoute } from '../route.js';

/** `POST /pdf` — JSON body per `pdfSchema`; answers the PDF. */
export const bodySchema = pdfSchema;

export const pdfRoute = defineBrowserRoute({
  kind: 'browser',
  method: 'POST',
  path: '/pdf',
  auth: true,
  bodySchema,
  render: async (page, body, context) => ({
    contentType: 'application/pdf',
    body: await renderPdf(page, body, context),
  }),
});
