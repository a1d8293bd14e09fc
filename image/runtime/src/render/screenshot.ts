import type { Page } from 'puppeteer-core';
import { navigate, type NavigateContext } from './navigate.js';
import type { ScreenshotOptions } from './options.js';

/** Loads the page and returns the image bytes. */
export async function renderScreenshot(page: Page, options: ScreenshotOptions, context: NavigateContext): Promise<Buffer> {
  await navigate(page, options, context);
  const image = await page.screenshot({
    type: options.type,
    fullPage: options.fullPage,
    omitBackground: options.omitBackground,
    // faster zlib settings in Chromium's encoder: a little larger PNG for less CPU per request
    optimizeForSpeed: true,
    ...(options.quality === undefined ? {} : { quality: options.quality }),
  });
  return Buffer.from(image);
}
