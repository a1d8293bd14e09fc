import type { Readable, Writable } from 'node:stream';
import type { ConnectionTransport } from 'puppeteer-core';

/** Why a pipe stopped carrying messages. */
export type PipeFailure = 'oversized' | 'undeliverable';

export interface BoundedPipeTransportOptions {
  /** Chromium's end of `--remote-debugging-pipe`: fd 3 (it reads) and fd 4 (it writes). */
  readonly toBrowser: Writable;
  readonly fromBrowser: Readable;
  /**
   * Largest message accepted from the browser, in bytes. A page decides how big some
   * messages are (a console.log argument, a thrown error's text, the DOM it serializes),
   * so this is the bound that keeps one hostile page from exhausting the service's memory
   * or V8's string limit (ERR_STRING_TOO_LONG inside a stream callback, which nothing
   * could catch).
   */
  readonly maxMessageBytes: number;
  /** Called once when the pipe is given up because of what the browser sent. */
  readonly onFailure: (failure: PipeFailure, detail: string) => void;
}

/**
 * The CDP pipe (NUL-separated JSON messages) with a byte bound per message. A message over
 * the bound is never assembled: its bytes are dropped as they arrive, and the transport
 * reports the failure and closes, which the owner treats like a browser crash. Errors
 * thrown by `onmessage` (a message the consumer cannot decode) end the transport the same
 * way instead of escaping into the event loop.
 */
export class BoundedPipeTransport implements ConnectionTransport {
  onmessage?: (message: string) => void;
  onclose?: () => void;
  readonly #options: BoundedPipeTransportOptions;
  #chunks: Buffer[] = [];
  #pendingBytes = 0;
  #closed = false;

  constructor(options: BoundedPipeTransportOptions) {
    this.#options = options;
    options.fromBrowser.on('data', (chunk: Buffer) => this.#receive(chunk));
    options.fromBrowser.once('close', () => this.close());
    options.fromBrowser.on('error', () => this.close());
    options.toBrowser.on('error', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: string): void {
    if (this.#closed) return;
    this.#options.toBrowser.write(`${message}\0`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks = [];
    this.#options.fromBrowser.removeAllListeners('data');
    this.onclose?.();
  }

  #fail(failure: PipeFailure, detail: string): void {
    if (this.#closed) return;
    this.#options.onFailure(failure, detail);
    this.close();
  }

  #receive(chunk: Buffer): void {
    let start = 0;
    while (!this.#closed) {
      const end = chunk.indexOf(0, start);
      const piece = end === -1 ? chunk.subarray(start) : chunk.subarray(start, end);
      this.#pendingBytes += piece.length;
      if (this.#pendingBytes > this.#options.maxMessageBytes) {
        this.#fail('oversized', `a protocol message exceeded ${this.#options.maxMessageBytes} bytes`);
        return;
      }
      if (piece.length > 0) this.#chunks.push(piece);
      if (end === -1) return;
      const message = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer).toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
      this.#chunks = [];
      this.#pendingBytes = 0;
      this.#deliver(message);
      start = end + 1;
    }
  }

  #deliver(message: string): void {
    const undeliverable = (error: unknown): void =>
      this.#fail('undeliverable', `a protocol message could not be handled: ${error instanceof Error ? error.message : String(error)}`);
    try {
      // puppeteer's handler is async: a message it cannot parse becomes a rejected promise,
      // which would otherwise be an unhandled rejection (fatal by default in Node).
      const result: unknown = this.onmessage?.(message);
      if (result instanceof Promise) result.catch(undeliverable);
    } catch (error) {
      undeliverable(error);
    }
  }
}
