import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseAllowList, type AllowList } from './ssrf/allow-list.js';

/**
 * Everything `browse serve` can be told, resolved once in the CLI entry from flags and
 * environment, validated and frozen, then passed down. Nothing below reads process.env.
 */
export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  /** null only when auth is explicitly off. */
  readonly token: string | null;
  readonly maxConcurrency: number;
  readonly queueSize: number;
  /** Per-request limit, queue wait included. */
  readonly timeoutMs: number;
  /** Upper bound on one CDP (WebSocket) session. */
  readonly sessionTimeoutMs: number;
  /** Relaunch the warm browser after this many jobs. */
  readonly restartAfter: number;
  readonly allowList: AllowList;
  readonly maxBodyBytes: number;
  /** How long SIGTERM waits for running and queued work before closing anyway. */
  readonly drainTimeoutMs: number;
  /** Whether the CDP WebSocket endpoint is served at all (an explicit opt-in). */
  readonly cdp: boolean;
  /** Base URL clients reach the service at, for /json/version; null: the listen address. */
  readonly publicUrl: string | null;
  /** V8 heap bound per renderer (MiB): a page that allocates past it crashes alone. */
  readonly pageHeapMiB: number;
  /** Fresh pages kept ready for the next jobs (each a context with its renderer). */
  readonly sparePages: number;
  readonly browser: BrowserConfig;
}

/** How Chromium is launched, shared by the service and the one-shot CLI commands. */
export interface BrowserConfig {
  readonly executablePath: string;
  readonly extraArgs: readonly string[];
}

const intFrom = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const rawSchema = z.object({
  BROWSE_HOST: z.string().min(1).default('0.0.0.0'),
  BROWSE_PORT: intFrom('BROWSE_PORT', 0, 65535).default(3000),
  BROWSE_TOKEN: z.string().optional(),
  BROWSE_AUTH: z.enum(['on', 'off'], { error: 'BROWSE_AUTH must be "on" or "off"' }).default('on'),
  BROWSE_MAX_CONCURRENCY: intFrom('BROWSE_MAX_CONCURRENCY', 1, 256).default(4),
  BROWSE_QUEUE: intFrom('BROWSE_QUEUE', 0, 10_000).default(16),
  BROWSE_TIMEOUT_MS: intFrom('BROWSE_TIMEOUT_MS', 100, 3_600_000).default(30_000),
  BROWSE_SESSION_TIMEOUT_MS: intFrom('BROWSE_SESSION_TIMEOUT_MS', 1000, 86_400_000).default(300_000),
  BROWSE_RESTART_AFTER: intFrom('BROWSE_RESTART_AFTER', 1, 1_000_000).default(100),
  BROWSE_ALLOW: z.string().default(''),
  BROWSE_MAX_BODY_BYTES: intFrom('BROWSE_MAX_BODY_BYTES', 256, 64 * 1024 * 1024).default(1024 * 1024),
  BROWSE_DRAIN_TIMEOUT_MS: intFrom('BROWSE_DRAIN_TIMEOUT_MS', 0, 3_600_000).default(30_000),
  BROWSE_CDP: z.enum(['on', 'off'], { error: 'BROWSE_CDP must be "on" or "off"' }).default('off'),
  BROWSE_PUBLIC_URL: z
    .string()
    .refine((value) => URL.canParse(value) && /^(https?|wss?):$/.test(new URL(value).protocol), { message: 'BROWSE_PUBLIC_URL must be an http(s) or ws(s) URL such as https://browse.example' })
    .optional(),
  BROWSE_PAGE_HEAP_MB: intFrom('BROWSE_PAGE_HEAP_MB', 64, 16_384).default(1024),
  BROWSE_SPARE_PAGES: intFrom('BROWSE_SPARE_PAGES', 0, 64).optional(),
  PUPPETEER_EXECUTABLE_PATH: z.string().min(1).default('/usr/bin/chromium'),
  BROWSE_EXECUTABLE_PATH: z.string().min(1).optional(),
  BROWSE_CHROMIUM_ARGS: z.string().default(''),
});

/** Settings by name, flags already merged over the environment (flags win). */
export type ConfigSource = Readonly<Record<string, string | undefined>>;

const TOKEN_MIN_LENGTH = 16;
// Measured in bench/results/runtime.md: a second spare keeps a page ready when jobs finish
// together; more cost a renderer each (~30 MiB) for no measurable gain on a CPU-bound host.
const SPARE_PAGES_DEFAULT = 2;

/** Validates and freezes the service configuration; ConfigError names the bad setting. */
export function resolveServiceConfig(source: ConfigSource): ServiceConfig {
  const parsed = rawSchema.safeParse(blankToUndefined(source));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const raw = parsed.data;
  const token = raw.BROWSE_TOKEN === undefined || raw.BROWSE_TOKEN === '' ? null : raw.BROWSE_TOKEN;
  if (raw.BROWSE_AUTH === 'on') {
    if (token === null) {
      throw new ConfigError('no token: set BROWSE_TOKEN (at least 16 characters), or BROWSE_AUTH=off to serve without authentication');
    }
    if (token.length < TOKEN_MIN_LENGTH) throw new ConfigError(`BROWSE_TOKEN must be at least ${TOKEN_MIN_LENGTH} characters`);
  }
  const { allowList, invalid } = parseAllowList(raw.BROWSE_ALLOW);
  if (invalid.length > 0) {
    throw new ConfigError(`BROWSE_ALLOW: not a CIDR, address or host name: ${invalid.join(', ')}`);
  }
  return Object.freeze({
    host: raw.BROWSE_HOST,
    port: raw.BROWSE_PORT,
    token: raw.BROWSE_AUTH === 'on' ? token : null,
    maxConcurrency: raw.BROWSE_MAX_CONCURRENCY,
    queueSize: raw.BROWSE_QUEUE,
    timeoutMs: raw.BROWSE_TIMEOUT_MS,
    sessionTimeoutMs: raw.BROWSE_SESSION_TIMEOUT_MS,
    restartAfter: raw.BROWSE_RESTART_AFTER,
    allowList,
    maxBodyBytes: raw.BROWSE_MAX_BODY_BYTES,
    drainTimeoutMs: raw.BROWSE_DRAIN_TIMEOUT_MS,
    cdp: raw.BROWSE_CDP === 'on',
    publicUrl: raw.BROWSE_PUBLIC_URL ?? null,
    pageHeapMiB: raw.BROWSE_PAGE_HEAP_MB,
    sparePages: raw.BROWSE_SPARE_PAGES ?? SPARE_PAGES_DEFAULT,
    // The service's own browser may differ from the one users' scripts get (the headless
    // shell: same engine, far less CPU per page; see bench/results/runtime.md).
    browser: resolveBrowserConfig({ ...source, PUPPETEER_EXECUTABLE_PATH: raw.BROWSE_EXECUTABLE_PATH ?? source['PUPPETEER_EXECUTABLE_PATH'] }),
  });
}

/** The browser part alone, for the one-shot CLI commands. */
export function resolveBrowserConfig(source: ConfigSource): BrowserConfig {
  const executablePath = source['PUPPETEER_EXECUTABLE_PATH'] || '/usr/bin/chromium';
  const extraArgs = (source['BROWSE_CHROMIUM_ARGS'] ?? '').split(/\s+/).filter((arg) => arg !== '');
  return Object.freeze({ executablePath, extraArgs: Object.freeze(extraArgs) });
}

function blankToUndefined(source: ConfigSource): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(rawSchema.shape)) {
    const value = source[key];
    out[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  return out;
}
