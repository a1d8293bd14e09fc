import puppeteer, { type Browser } from 'puppeteer-core';
import type { BrowserConfig } from '../config.js';
import { UnavailableError } from '../errors.js';

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
  readonly signal?: AbortSignal;
  /**
   * Talk CDP over a pipe instead of a loopback port: nothing else on the machine (a page
   * whose allow-list includes loopback, say) can reach this browser's DevTools.
   */
  readonly pipe?: boolean;
  /** Chromium's environment; defaults to the service's own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The argument list for a launch; pure, so tests can check the proxy wiring. */
export function chromiumArgs(options: Pick<LaunchOptions, 'browser' | 'proxyUrl'>): string[] {
  const args = [...BASE_CHROMIUM_ARGS];
  if (options.proxyUrl) {
    // Chromium bypasses proxies for loopback by default; `<-loopback>` removes that
    // implicit rule so that 127.0.0.0/8 and localhost are checked like everything else.
    // WebRTC's UDP would go around an HTTP proxy: allow only proxied (TCP) WebRTC.
    args.push(`--proxy-server=${options.proxyUrl}`, '--proxy-bypass-list=<-loopback>', '--force-webrtc-ip-handling-policy=disable_non_proxied_udp');
  }
  args.push(...options.browser.extraArgs);
  return args;
}

/** Launches one headless Chromium; UnavailableError (with the cause) if it will not start. */
export async function launchBrowser(options: LaunchOptions): Promise<Browser> {
  try {
    return await puppeteer.launch({
      executablePath: options.browser.executablePath,
      headless: true,
      args: chromiumArgs(options),
      pipe: options.pipe ?? false,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.env ? { env: { ...options.env } } : {}),
      // The service handles SIGTERM itself (drain first); Chromium must not die early.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
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
