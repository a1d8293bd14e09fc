import { parseArgs } from 'node:util';
import type { BrowserConfig } from '../config.js';
import { renderContent } from '../render/content.js';
import { contentSchema } from '../render/options.js';
import { NAVIGATION_FLAGS, navigationFromFlags, renderOnce, validate, writeOutput } from './render-command.js';

export const usage = `browse content URL [-o FILE] [--wait-until …] [--wait-for SELECTOR] [--timeout MS]`;

/** `browse content URL`: the rendered HTML on stdout (or -o FILE). */
export async function contentCommand(argv: string[], browser: BrowserConfig, signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: NAVIGATION_FLAGS });
  const options = validate(contentSchema, navigationFromFlags(positionals[0], values));
  const html = await renderOnce(browser, options.timeout ?? 30_000, signal, (page, context) => renderContent(page, options, context));
  await writeOutput(values.output, html, false);
}
