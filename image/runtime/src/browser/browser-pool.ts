import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { BrowseError, UnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { raceAbort } from '../abort.js';
import type { LaunchedBrowser, LaunchOptions } from './launch.js';

const CONTEXT_CLOSE_TIMEOUT_MS = 10_000;

/** Why the warm browser was replaced (a metric label). */
export type RestartReason = 'jobs' | 'crash';

export interface BrowserPoolOptions {
  readonly launch: (options: Pick<LaunchOptions, 'signal'>) => Promise<LaunchedBrowser>;
  /** Replace the browser after this many jobs (bounds memory growth and leaked state). */
  readonly restartAfter: number;
  readonly log: Logger;
  readonly onRestart?: (reason: RestartReason) => void;
  /**
   * Fresh contexts + pages kept ready so that a job does not wait for a renderer process
   * to start (the largest part of a warm job); made while other jobs render. 0 for
   * one-shot use.
   */
  readonly spares?: number;
}

interface Slot {
  readonly handle: LaunchedBrowser;
  readonly browser: Browser;
  jobs: number;
  active: number;
  retired: boolean;
  /** Contexts with a blank page made ahead of time, never used by anyone yet. */
  spares: Array<Promise<Prepared>>;
}

interface Prepared {
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * One warm Chromium shared by all jobs, each in a fresh incognito-like browser context
 * that is closed afterwards. The browser is replaced after `restartAfter` jobs (the old one
 * finishes its running jobs first) and relaunched when it crashes or disconnects; jobs
 * that had not started yet simply get the new one.
 */
export class BrowserPool {
  readonly #options: BrowserPoolOptions;
  #current: Slot | null = null;
  #launching: Promise<Slot> | null = null;
  #closed = false;
  readonly #retiring = new Set<Slot>();

  constructor(options: BrowserPoolOptions) {
    this.#options = options;
  }

  /** True when a connected browser is ready for the next job. */
  get ready(): boolean {
    return !this.#closed && this.#current !== null && this.#current.browser.connected;
  }

  /** The warm browser, launching it if needed (used for `/json/version`). */
  async browser(signal?: AbortSignal): Promise<Browser> {
    return (await this.#acquire(signal)).browser;
  }

  /** The warm browser's process id, if one is running (diagnostics, tests). */
  get pid(): number | undefined {
    return this.#current?.handle.pid;
  }

  /** Launches the first browser now, so that the first request does not pay for it. */
  async warmUp(): Promise<void> {
    await this.#acquire();
  }

  /**
   * Runs `job` on a new page in a new browser context; the context is closed in `finally`
   * whatever happens. Aborting `signal` rejects at once and tears the context down.
   */
  async withPage<T>(job: (page: Page) => Promise<T>, signal: AbortSignal): Promise<T> {
    const slot = await this.#acquire(signal);
    slot.active += 1;
    slot.jobs += 1;
    if (slot.jobs >= this.#options.restartAfter && slot === this.#current) this.#retire(slot, 'jobs');
    let context: BrowserContext | null = null;
    try {
      const spare = slot.spares.shift();
      const pending = spare ? spare.catch(() => prepare(slot.browser)) : prepare(slot.browser);
      const prepared = await raceAbort(pending, signal, 'opening a page').catch((error: unknown) => {
        void pending.then((late) => late.context.close()).catch(() => undefined);
        throw error;
      });
      context = prepared.context;
      this.#refillSpare(slot);
      return await raceAbort(Promise.race([job(prepared.page), watchPage(prepared.page)]), signal, 'the job');
    } catch (error) {
      // A crash surfaces first as a failed navigation or protocol error; the disconnect
      // event may lag a tick behind, so look again before deciding what to report.
      if (!(error instanceof BrowseError) || error.code === 'NAVIGATION_FAILED') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (!slot.browser.connected) throw new UnavailableError('the browser crashed during the job; retry', { cause: error });
      }
      throw error;
    } finally {
      if (context) await this.#closeContext(slot, context);
      slot.active -= 1;
      if (slot.retired && slot.active === 0) this.#dispose(slot);
    }
  }

  /**
   * Closes a job's context, but never waits on it for long: a browser that cannot close a
   * context in time is wedged (a page flooding it, say), and the job's limiter slot must
   * not wait with it. Such a browser is killed and replaced.
   */
  async #closeContext(slot: Slot, context: BrowserContext): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      context.close().then(
        () => 'closed' as const,
        () => 'closed' as const,
      ),
      new Promise<'stuck'>((resolve) => {
        timer = setTimeout(() => resolve('stuck'), CONTEXT_CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'stuck' && !slot.retired) {
      this.#options.log.warn('browser did not close a context in time; replacing it', { pid: slot.handle.pid });
      void slot.handle.close().catch(() => undefined);
    }
  }

  /** Closes every browser; later jobs fail with UnavailableError. */
  async close(): Promise<void> {
    this.#closed = true;
    // A launch in flight sees #closed when it finishes and closes its own browser.
    const slots = [...this.#retiring, ...(this.#current ? [this.#current] : [])];
    this.#current = null;
    this.#retiring.clear();
    await Promise.all(slots.map((slot) => slot.handle.close().catch(() => undefined)));
  }

  async #acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.#closed) throw new UnavailableError('the service is shutting down');
    if (this.#current?.browser.connected) return this.#current;
    this.#launching ??= this.#launch().finally(() => {
      this.#launching = null;
    });
    return signal ? raceAbort(this.#launching, signal, 'launching the browser') : this.#launching;
  }

  async #launch(): Promise<Slot> {
    const handle = await this.#options.launch({});
    const { browser } = handle;
    const slot: Slot = { handle, browser, jobs: 0, active: 0, retired: false, spares: [] };
    if (this.#closed) {
      await handle.close().catch(() => undefined);
      throw new UnavailableError('the service is shutting down');
    }
    browser.once('disconnected', () => this.#onDisconnected(slot));
    this.#current = slot;
    this.#refillSpare(slot);
    this.#options.log.info('browser ready', { pid: handle.pid });
    return slot;
  }

  #refillSpare(slot: Slot): void {
    while (slot.spares.length < (this.#options.spares ?? 0) && !slot.retired && !this.#closed) {
      const spare = prepare(slot.browser);
      spare.catch(() => undefined);
      slot.spares.push(spare);
    }
  }

  #onDisconnected(slot: Slot): void {
    this.#retiring.delete(slot);
    // Whatever ended the connection, the process group and profile go too.
    void slot.handle.close().catch(() => undefined);
    if (this.#closed || slot.retired) return;
    this.#options.log.warn('browser disconnected; relaunching', { pid: slot.handle.pid, active: slot.active });
    this.#retire(slot, 'crash');
    // Relaunch eagerly so that /health turns ready again without waiting for a request.
    void this.#acquire().catch((error: unknown) => {
      this.#options.log.error('browser relaunch failed', { reason: error instanceof Error ? error.message : String(error) });
    });
  }

  #retire(slot: Slot, reason: RestartReason): void {
    slot.retired = true;
    if (this.#current === slot) this.#current = null;
    this.#options.onRestart?.(reason);
    if (slot.active === 0) this.#dispose(slot);
    else this.#retiring.add(slot);
  }

  #dispose(slot: Slot): void {
    this.#retiring.delete(slot);
    slot.spares = [];
    void slot.handle.close().catch(() => undefined);
  }
}

async function prepare(browser: Browser): Promise<Prepared> {
  const context = await browser.createBrowserContext();
  try {
    return { context, page: await context.newPage() };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}

/**
 * What a page may do to a job besides its own content: a JavaScript dialog would block the
 * page until the timeout (dismissed at once instead); a popup would hide it (closed); a
 * crashed renderer (killed, or over
 * its heap bound) would leave the job waiting for events that never come (rejects at once).
 */
function watchPage(page: Page): Promise<never> {
  page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
  // A popup takes the foreground, and a background page paints no frames: a screenshot
  // would wait for one until the timeout. Jobs render one page; popups are closed.
  page.on('popup', (popup) => void popup?.close().catch(() => undefined));
  return new Promise<never>((_resolve, reject) => {
    page.once('error', (error: Error) => reject(new UnavailableError('the page crashed (out of memory, or killed) during the job', { cause: error })));
  });
}
