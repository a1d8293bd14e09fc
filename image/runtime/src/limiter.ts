import { QueueFullError, UnavailableError, abortError } from './errors.js';

export interface LimiterOptions {
  /** Jobs that may run at once. */
  readonly concurrency: number;
  /** Jobs that may wait for a slot; beyond concurrency + queue, callers get QueueFullError. */
  readonly queueSize: number;
  /** Seconds suggested in Retry-After when full. */
  readonly retryAfterSeconds: number;
}

interface Waiter {
  readonly start: () => void;
}

/**
 * The one admission point for work: capacity is concurrency + queue, and anything beyond
 * is refused at once (429) rather than piling up. Waiters leave the queue when their
 * signal aborts (timeout, client gone), and `drain()` lets running and queued work finish
 * while refusing new work, for graceful shutdown.
 */
export class Limiter {
  readonly #options: LimiterOptions;
  readonly #queue: Waiter[] = [];
  #running = 0;
  #draining = false;
  /** When each running job got its slot (ms since epoch), to spot slots that are never given back. */
  readonly #heldSince = new Map<symbol, number>();
  readonly #idleWaiters: Array<() => void> = [];

  constructor(options: LimiterOptions) {
    this.#options = options;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** How long the oldest running job has held its slot (0 when none runs). */
  oldestHeldMs(now = Date.now()): number {
    let oldest = now;
    for (const since of this.#heldSince.values()) oldest = Math.min(oldest, since);
    return now - oldest;
  }

  /** Runs `job` when a slot is free; the slot is given back in `finally`. */
  async run<T>(job: () => Promise<T>, signal: AbortSignal): Promise<T> {
    await this.#admit(signal);
    const slot = Symbol('slot');
    this.#heldSince.set(slot, Date.now());
    try {
      return await job();
    } finally {
      this.#heldSince.delete(slot);
      this.#release();
    }
  }

  /** Stops admitting work; resolves once nothing runs or waits. */
  async drain(): Promise<void> {
    this.#draining = true;
    if (this.#running === 0 && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #admit(signal: AbortSignal): Promise<void> {
    if (this.#draining) return Promise.reject(new UnavailableError('the service is shutting down'));
    if (signal.aborted) return Promise.reject(abortError(signal, 'waiting in the queue'));
    if (this.#running < this.#options.concurrency && this.#queue.length === 0) {
      this.#running += 1;
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#options.queueSize) {
      return Promise.reject(
        new QueueFullError(
          `busy: ${this.#running} running and ${this.#queue.length} queued (the limit); retry later`,
          this.#options.retryAfterSeconds,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(abortError(signal, 'waiting in the queue'));
        this.#notifyIdle();
      };
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) {
      next.start();
      return;
    }
    this.#running -= 1;
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
