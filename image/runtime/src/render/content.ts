import type { Page } from 'puppeteer-core';
import { navigate, type NavigateContext } from './navigate.js';
import type { ContentOptions } from './options.js';

/** Loads the page and returns its serialized DOM (after scripts ran). */
export async function renderContent(page: Page, options: ContentOptions, context: NavigateContext): Promise<string> {
  await navigate(page, options, context);
  return page.content();
}
