import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { raceAbort } from '../abort.js';
import type { BrowserConfig } from '../config.js';
import { BrowseError, UnavailableError } from '../errors.js';
import { spawnChromium, type ChromiumProcess } from './chromium-process.js';
import type { PipeFailure } from './pipe-transport.js';

/**
 * Flags safe on every host this runs on: a container (where Debian's launcher adds the
 * same ones from CHROMIUM_EXTRA_FLAGS), a bare host, and arm64 under QEMU, where the
 * sandbox cannot work. `--no-zygote` is deliberately absent: in the image, the launcher hook
 * adds it only under QEMU emulation, where the zygote aborts.
 */
export const BASE_CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

export interface LaunchOptions {
  readonly browser: BrowserConfig;
  /** Route all traffic (loopback included) through this SSRF-checking proxy. */
  readonly proxyUrl?: string;
  /** Bounds the launch only (a client that leaves while its browser starts); never the browser's life. */
  readonly signal?: AbortSignal;
  /** Chromium's environment; defaults to the service's own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where per-browser profiles are created; the system temp directory by default. */
  readonly profileParent?: string;
  /** Largest CDP message accepted from the browser (see BoundedPipeTransport). */
  readonly maxMessageBytes?: number;
  /** Service-only flags (popup blocking, per-renderer heap bound) on top of the shared ones. */
  readonly serviceArgs?: readonly string[];
  /** Called when the browser is dropped for what it sent (oversized or undecodable message). */
  readonly onPipeFailure?: (failure: PipeFailure, detail: string) => void;
}

/** A browser driven by puppeteer over the CDP pipe, with its process. */
export interface LaunchedBrowser {
  readonly browser: Browser;
  readonly pid: number | undefined;
  /** Asks the browser to close, then kills its process group and removes its profile. */
  close(): Promise<void>;
}

/** 128 MiB: far above any screenshot or PDF the size limits admit, far below V8's string limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

/** The argument list for a launch; pure, so tests can check the proxy wiring. */
export function chromiumArgs(options: Pick<LaunchOptions, 'browser' | 'proxyUrl' | 'serviceArgs'>): string[] {
  const args = [...BASE_CHROMIUM_ARGS];
  if (options.proxyUrl) {
    // Chromium bypasses proxies for loopback by default; `<-loopback>` removes that
    // implicit rule so that 127.0.0.0/8 and localhost are checked like everything else.
    // WebRTC's UDP would go around an HTTP proxy: allow only proxied (TCP) WebRTC.
    args.push(`--proxy-server=${options.proxyUrl}`, '--proxy-bypass-list=<-loopback>', '--force-webrtc-ip-handling-policy=disable_non_proxied_udp');
  }
  args.push(...(options.serviceArgs ?? []), ...options.browser.extraArgs);
  return args;
}

/**
 * Starts Chromium with the full command line puppeteer would use (headless, automation
 * flags), speaking CDP over a pipe with a bounded transport, and a fresh profile.
 */
export async function spawnBrowserProcess(options: LaunchOptions): Promise<ChromiumProcess> {
  return spawnChromium({
    executablePath: options.browser.executablePath,
    args: await puppeteer.defaultArgs({ headless: headlessMode(options.browser.executablePath), args: chromiumArgs(options) }),
    ...(options.env ? { env: options.env } : {}),
    profileParent: options.profileParent ?? tmpdir(),
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...(options.onPipeFailure ? { onPipeFailure: options.onPipeFailure } : {}),
  });
}

/**
 * `shell` for Chromium's headless shell (Debian's chromium-headless-shell): a separate,
 * lighter binary that takes `--headless` and not the full browser's `--headless=new`.
 */
export function headlessMode(executablePath: string): true | 'shell' {
  return /headless[-_]shell/.test(basename(executablePath)) ? 'shell' : true;
}

/** Launches one headless Chromium driven by puppeteer; UnavailableError (with the cause) if it will not start. */
export async function launchBrowser(options: LaunchOptions): Promise<LaunchedBrowser> {
  let chromium: ChromiumProcess | null = null;
  try {
    chromium = await spawnBrowserProcess(options);
    const started = chromium;
    const connecting = puppeteer.connect({ transport: started.transport, defaultViewport: { width: 800, height: 600 } });
    const browser = await (options.signal ? raceAbort(connecting, options.signal, 'launching the browser') : connecting);
    const close = async (): Promise<void> => {
      if (browser.connected) {
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 5000);
        });
        await Promise.race([browser.close().catch(() => undefined), grace]);
        clearTimeout(timer);
      }
      await started.kill();
    };
    return { browser, pid: started.pid, close };
  } catch (error) {
    await chromium?.kill();
    if (error instanceof BrowseError) throw error;
    throw new UnavailableError(`cannot launch Chromium (${options.browser.executablePath})`, { cause: error });
  }
}

/**
 * The environment Chromium is launched with: the caller's, without the service's own
 * `BROWSE_*` settings (the token must not be readable from the browser's processes).
 * Zygote handling is the image's: its launcher hook adds `--no-zygote` only under QEMU.
 */
export function browserEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !name.startsWith('BROWSE_')) out[name] = value;
  }
  return out;
}
