import { parseArgs } from 'node:util';
import type { BrowserConfig } from '../config.js';
import { screenshotSchema } from '../render/options.js';
import { renderScreenshot } from '../render/screenshot.js';
import { NAVIGATION_FLAGS, navigationFromFlags, numberFlag, renderOnce, validate, writeOutput } from './render-command.js';

export const usage = `browse screenshot URL -o FILE [--width N --height N --scale N] [--full-page] [--type png|jpeg|webp] [--quality N]
                  [--wait-until load|domcontentloaded|networkidle0|networkidle2] [--wait-for SELECTOR] [--timeout MS]`;

/** `browse screenshot URL -o out.png`. */
export async function screenshotCommand(argv: string[], browser: BrowserConfig, signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...NAVIGATION_FLAGS, 'full-page': { type: 'boolean' }, type: { type: 'string' }, quality: { type: 'string' } },
  });
  const raw: Record<string, unknown> = { ...navigationFromFlags(positionals[0], values), fullPage: values['full-page'] ?? false };
  if (values.type !== undefined) raw['type'] = values.type;
  const quality = numberFlag(values, 'quality');
  if (quality !== undefined) raw['quality'] = quality;
  const options = validate(screenshotSchema, raw);
  const image = await renderOnce(browser, options.timeout ?? 30_000, signal, (page, context) => renderScreenshot(page, options, context));
  await writeOutput(values.output, image, true);
}
