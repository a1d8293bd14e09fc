import { parseArgs } from 'node:util';
import type { BrowserConfig } from '../config.js';
import { pdfSchema } from '../render/options.js';
import { renderPdf } from '../render/pdf.js';
import { NAVIGATION_FLAGS, navigationFromFlags, renderOnce, validate, writeOutput } from './render-command.js';

export const usage = `browse pdf URL -o FILE [--format A4|Letter|…] [--landscape] [--background]
                  [--margin LEN | --margin-top LEN --margin-right LEN --margin-bottom LEN --margin-left LEN]
                  [--wait-until …] [--wait-for SELECTOR] [--timeout MS]`;

/** `browse pdf URL -o out.pdf`. */
export async function pdfCommand(argv: string[], browser: BrowserConfig, signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NAVIGATION_FLAGS,
      format: { type: 'string' },
      landscape: { type: 'boolean' },
      background: { type: 'boolean' },
      margin: { type: 'string' },
      'margin-top': { type: 'string' },
      'margin-right': { type: 'string' },
      'margin-bottom': { type: 'string' },
      'margin-left': { type: 'string' },
    },
  });
  const raw: Record<string, unknown> = { ...navigationFromFlags(positionals[0], values), landscape: values.landscape ?? false, printBackground: values.background ?? false };
  if (values.format !== undefined) raw['format'] = values.format;
  const margin: Record<string, string> = {};
  for (const side of ['top', 'right', 'bottom', 'left'] as const) {
    const value = values[`margin-${side}`] ?? values.margin;
    if (value !== undefined) margin[side] = value;
  }
  if (Object.keys(margin).length > 0) raw['margin'] = margin;
  const options = validate(pdfSchema, raw);
  const pdf = await renderOnce(browser, options.timeout ?? 30_000, signal, (page, context) => renderPdf(page, options, context));
  await writeOutput(values.output, pdf, true);
}
