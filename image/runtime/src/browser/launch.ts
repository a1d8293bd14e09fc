import puppeteer, { type Browser } from 'puppeteer-core';
import type { BrowserConfig } from '../config.js';
import { UnavailableError } from '../errors.js';

/**
 * Flags safe on every host this runs on: a container (where Debian's launcher adds the
 * same ones from CHROMIUM_EXTRA_FLAGS), a bare host, and arm64 under QEMU, where the
 * sandbox cannot work. `--no-zygote` is deliberately absent: see browserEnvironment.
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
 * `BROWSE_*` settings (the token must not be readable from the browser's processes). On
 * x86-64 with `zygote: 'auto'` it also drops `--no-zygote` from the image's
 * CHROMIUM_EXTRA_FLAGS: that flag exists for arm64 under QEMU, where the zygote aborts,
 * and without the zygote every page pays for a fresh renderer exec (about a third of a
 * warm screenshot's time, measured). `zygote: 'off'` keeps it (amd64 under emulation).
 */
export function browserEnvironment(env: Readonly<Record<string, string | undefined>>, arch: string, zygote: 'auto' | 'off'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !name.startsWith('BROWSE_')) out[name] = value;
  }
  const flags = out['CHROMIUM_EXTRA_FLAGS'];
  if (flags !== undefined && arch === 'x64' && zygote === 'auto') {
    out['CHROMIUM_EXTRA_FLAGS'] = flags.split(/\s+/).filter((flag) => flag !== '' && flag !== '--no-zygote').join(' ');
  }
  return out;
}
