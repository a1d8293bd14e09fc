import type { Page } from 'puppeteer-core';
import { UnprocessableError } from '../errors.js';
import { navigate, type NavigateContext } from './navigate.js';
import { MAX_CAPTURE_HEIGHT, MAX_CAPTURE_PIXELS, type ScreenshotOptions } from './options.js';

/** Loads the page and returns the image bytes. */
export async function renderScreenshot(page: Page, options: ScreenshotOptions, context: NavigateContext): Promise<Buffer> {
  await navigate(page, options, context);
  if (options.fullPage) await checkFullPageSize(page);
  // The page must be the visible one to paint the frame the capture waits for (a popup the
  // page opened may have taken the foreground before it was closed).
  await page.bringToFront();
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

/**
 * A full-page capture is as large as the page makes it, which the client may not know in
 * advance: refuse (422, with the size) rather than fail inside Chromium.
 */
async function checkFullPageSize(page: Page): Promise<void> {
  // A string, so that this module needs no DOM typings (the service's tsconfig has none).
  const { width, height, scale } = (await page.evaluate(`(() => {
    const root = document.documentElement;
    return {
      width: Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0),
      height: Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0),
      scale: window.devicePixelRatio,
    };
  })()`)) as { width: number; height: number; scale: number };
  if (height * scale > MAX_CAPTURE_HEIGHT || width * height * scale ** 2 > MAX_CAPTURE_PIXELS) {
    throw new UnprocessableError(
      `the page is ${width}×${height} px (${height} px tall); a full-page capture is limited to ${MAX_CAPTURE_HEIGHT} device pixels tall and ${MAX_CAPTURE_PIXELS} pixels in all: capture the viewport instead`,
    );
  }
}
