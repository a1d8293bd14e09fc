import { z } from 'zod';

/**
 * What a render job accepts, shared by the HTTP bodies and the CLI flags. Objects are
 * strict: an unknown option is an error ("unsupported option"), never silently ignored.
 */
export const waitUntilSchema = z.enum(['load', 'domcontentloaded', 'networkidle0', 'networkidle2']);

export const urlSchema = z
  .string({ error: 'url is required' })
  .max(8192, 'url is longer than 8192 characters')
  .refine((value) => URL.canParse(value), { message: 'url must be an absolute URL such as https://example.com/' });

/**
 * Largest capture in device pixels (width × height × scale²): 40 Mpx is 160 MB of RGBA in
 * the renderer, and keeps the encoded image well inside the protocol message bound. Past
 * it, Chromium either fails (a 500 before) or the image cannot be returned.
 */
export const MAX_CAPTURE_PIXELS = 40_000_000;
/** Chromium cannot capture taller than its largest texture (device pixels). */
export const MAX_CAPTURE_HEIGHT = 16_384;

export const viewportSchema = z
  .object({
    width: z.number().int().min(1).max(8192),
    height: z.number().int().min(1).max(8192),
    deviceScaleFactor: z.number().min(0.1).max(4).default(1),
  })
  .strict()
  .refine((value) => value.width * value.height * value.deviceScaleFactor ** 2 <= MAX_CAPTURE_PIXELS, {
    message: `the viewport is more than ${MAX_CAPTURE_PIXELS} device pixels (width × height × deviceScaleFactor²)`,
  });

const navigationShape = {
  url: urlSchema,
  waitUntil: waitUntilSchema.default('load'),
  waitForSelector: z.string().min(1).max(1024).optional(),
  /** Milliseconds; lowers (never raises) the service's per-request timeout. */
  timeout: z.number().int().min(100).max(3_600_000).optional(),
  viewport: viewportSchema.optional(),
};

export const navigationSchema = z.object(navigationShape).strict();
export type NavigationOptions = z.infer<typeof navigationSchema>;

export const screenshotSchema = z
  .object({
    ...navigationShape,
    fullPage: z.boolean().default(false),
    type: z.enum(['png', 'jpeg', 'webp']).default('png'),
    quality: z.number().int().min(0).max(100).optional(),
    omitBackground: z.boolean().default(false),
  })
  .strict()
  .refine((value) => value.quality === undefined || value.type !== 'png', {
    message: 'quality applies to jpeg and webp only',
    path: ['quality'],
  });
export type ScreenshotOptions = z.infer<typeof screenshotSchema>;

const cssLength = z
  .string()
  .regex(/^\d+(\.\d+)?(px|in|cm|mm)?$/, 'margins are CSS lengths such as "1cm", "0.5in", "20px"');

export const pdfSchema = z
  .object({
    ...navigationShape,
    format: z.enum(['Letter', 'Legal', 'Tabloid', 'Ledger', 'A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6']).default('A4'),
    landscape: z.boolean().default(false),
    printBackground: z.boolean().default(false),
    scale: z.number().min(0.1).max(2).default(1),
    margin: z
      .object({ top: cssLength.optional(), right: cssLength.optional(), bottom: cssLength.optional(), left: cssLength.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type PdfOptions = z.infer<typeof pdfSchema>;

export const contentSchema = navigationSchema;
export type ContentOptions = NavigationOptions;

/** One line naming each bad field, for 400 bodies and CLI errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        const where = path === '' ? '' : ` in ${path}`;
        return `unsupported option${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')}`;
      }
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}
