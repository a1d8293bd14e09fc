import type { Page } from 'puppeteer-core';
import { navigate, type NavigateContext } from './navigate.js';
import type { PdfOptions } from './options.js';

/** Loads the page and prints it to PDF. */
export async function renderPdf(page: Page, options: PdfOptions, context: NavigateContext): Promise<Buffer> {
  await navigate(page, options, context);
  const pdf = await page.pdf({
    format: options.format,
    landscape: options.landscape,
    printBackground: options.printBackground,
    scale: options.scale,
    ...(options.margin ? { margin: options.margin } : {}),
  });
  return Buffer.from(pdf);
}
