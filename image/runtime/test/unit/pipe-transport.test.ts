import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BoundedPipeTransport, type PipeFailure } from '../../src/browser/pipe-transport.js';

function pipe(maxMessageBytes: number) {
  const fromBrowser = new PassThrough();
  const toBrowser = new PassThrough();
  const failures: Array<[PipeFailure, string]> = [];
  const transport = new BoundedPipeTransport({ fromBrowser, toBrowser, maxMessageBytes, onFailure: (failure, detail) => failures.push([failure, detail]) });
  const messages: string[] = [];
  let closed = 0;
  transport.onmessage = (message) => void messages.push(message);
  transport.onclose = () => void (closed += 1);
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { fromBrowser, toBrowser, transport, failures, messages, closed: () => closed, flush };
}

describe('BoundedPipeTransport', () => {
  it('splits NUL-separated messages, across chunks too, and writes NUL-terminated ones', async () => {
    const p = pipe(1024);
    p.fromBrowser.write('{"id":1}\0{"id"');
    p.fromBrowser.write(':2}\0');
    await p.flush();
    expect(p.messages).toEqual(['{"id":1}', '{"id":2}']);
    p.transport.send('{"id":3}');
    expect(p.toBrowser.read()?.toString()).toBe('{"id":3}\0');
  });

  it('gives up on a message over the bound without assembling it, and closes once', async () => {
    const p = pipe(100);
    p.fromBrowser.write('{"id":1}\0');
    for (let i = 0; i < 10; i += 1) p.fromBrowser.write('x'.repeat(50));
    p.fromBrowser.write('\0{"id":2}\0');
    await p.flush();
    expect(p.messages).toEqual(['{"id":1}']);
    expect(p.failures).toEqual([['oversized', 'a protocol message exceeded 100 bytes']]);
    expect(p.closed()).toBe(1);
    expect(p.transport.closed).toBe(true);
  });

  it('turns a consumer that cannot decode a message (sync throw or rejected promise) into a failure', async () => {
    const sync = pipe(1024);
    sync.transport.onmessage = (message) => void JSON.parse(message);
    sync.fromBrowser.write('not json\0');
    await sync.flush();
    expect(sync.failures.map(([failure]) => failure)).toEqual(['undeliverable']);

    const async = pipe(1024);
    async.transport.onmessage = (async (message: string) => void JSON.parse(message)) as unknown as (message: string) => void;
    async.fromBrowser.write('{broken\0');
    await async.flush();
    await async.flush();
    expect(async.failures.map(([failure]) => failure)).toEqual(['undeliverable']);
    expect(async.closed()).toBe(1);
  });
});
