import { rename, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { z } from 'zod';
import { BrowserPool } from '../browser/browser-pool.js';
import { browserEnvironment, launchBrowser } from '../browser/launch.js';
import type { BrowserConfig } from '../config.js';
import { BadRequestError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { NavigateContext } from '../render/navigate.js';
import { describeIssues } from '../render/options.js';
import { timeoutSignal } from '../abort.js';

/** Flags every render command shares, as parsed by node:util parseArgs. */
export const NAVIGATION_FLAGS = {
  output: { type: 'string', short: 'o' },
  width: { type: 'string' },
  height: { type: 'string' },
  scale: { type: 'string' },
  'wait-until': { type: 'string' },
  'wait-for': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

const DEFAULT_TIMEOUT_MS = 30_000;

/** Builds the navigation part of the options from flags (validated later by the schema). */
export function navigationFromFlags(url: string | undefined, flags: FlagValues): Record<string, unknown> {
  if (url === undefined) throw new BadRequestError('missing URL argument');
  const options: Record<string, unknown> = { url };
  if (flags['width'] !== undefined || flags['height'] !== undefined || flags['scale'] !== undefined) {
    options['viewport'] = {
      width: numberFlag(flags, 'width') ?? 800,
      height: numberFlag(flags, 'height') ?? 600,
      deviceScaleFactor: numberFlag(flags, 'scale') ?? 1,
    };
  }
  if (flags['wait-until'] !== undefined) options['waitUntil'] = flags['wait-until'];
  if (flags['wait-for'] !== undefined) options['waitForSelector'] = flags['wait-for'];
  options['timeout'] = numberFlag(flags, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  return options;
}

export function numberFlag(flags: FlagValues, name: string): number | undefined {
  const value = flags[name];
  if (value === undefined || typeof value === 'boolean') return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new BadRequestError(`--${name} must be a number, got "${value}"`);
  return number;
}

/** Validates options with the same schema the service uses; flags' names in messages. */
export function validate<Schema extends z.ZodType>(schema: Schema, options: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error));
  return parsed.data;
}

/**
 * Runs one render in a freshly launched browser (no SSRF guard: the CLI fetches what its
 * own user asks for) and closes it, whatever happens.
 */
export async function renderOnce<T>(browser: BrowserConfig, timeoutMs: number, signal: AbortSignal, render: (page: Page, context: NavigateContext) => Promise<T>): Promise<T> {
  const jobSignal = AbortSignal.any([timeoutSignal(timeoutMs), signal]);
  const pool = new BrowserPool({ launch: ({ signal: launchSignal }) => launchBrowser({ browser, env: browserEnvironment(process.env), ...(launchSignal ? { signal: launchSignal } : {}) }), restartAfter: Number.MAX_SAFE_INTEGER, log: silentLogger });
  try {
    return await pool.withPage((page) => render(page, { signal: jobSignal }), jobSignal);
  } finally {
    await pool.close();
  }
}

/** Writes the result to `-o FILE` (via a temporary file, so nothing is half-written) or stdout for `-o -`. */
export async function writeOutput(output: string | undefined, data: Buffer | string, required: boolean): Promise<void> {
  if (output === undefined || output === '-') {
    if (output === undefined && required) throw new BadRequestError('missing -o FILE (use -o - for stdout)');
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (error) => (error ? reject(error) : resolve())));
    return;
  }
  const temporary = join(dirname(output), `.${basename(output)}.${process.pid}.tmp`);
  await writeFile(temporary, data);
  await rename(temporary, output);
}
