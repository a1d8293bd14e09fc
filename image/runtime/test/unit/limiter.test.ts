import { describe, expect, it } from 'vitest';
import { QueueFullError, TimeoutError, UnavailableError } from '../../src/errors.js';
import type { IncomingMessage } from 'node:http';
import { Limiter } from '../../src/limiter.js';
import { silentLogger } from '../../src/log.js';
import type { ServiceState } from '../../src/server/route.js';
import { healthRoute } from '../../src/server/routes/health.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const never = new AbortController().signal;

describe('Limiter', () => {
  it('runs up to concurrency, queues up to the queue size and refuses beyond with Retry-After', async () => {
    const limiter = new Limiter({ concurrency: 2, queueSize: 1, retryAfterSeconds: 7 });
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const jobs = gates.map((gate, index) =>
      limiter.run(async () => {
        order.push(index);
        await gate.promise;
        return index;
      }, never),
    );
    await Promise.resolve();
    expect(limiter.running).toBe(2);
    expect(limiter.queued).toBe(1);
    const refused = limiter.run(async () => 99, never);
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 7 });
    gates[0]?.resolve();
    await jobs[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    gates[2]?.resolve();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2]);
    expect(limiter.running).toBe(0);
  });

  it('gives the slot back when a job throws', async () => {
    const limiter = new Limiter({ concurrency: 1, queueSize: 0, retryAfterSeconds: 1 });
    await expect(limiter.run(async () => Promise.reject(new Error('boom')), never)).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok', never)).resolves.toBe('ok');
  });

  it('drops a queued job whose signal aborts, with a timeout error', async () => {
    const limiter = new Limiter({ concurrency: 1, queueSize: 1, retryAfterSeconds: 1 });
    const gate = deferred();
    const running = limiter.run(() => gate.promise, never);
    const controller = new AbortController();
    const queued = limiter.run(async () => 'late', controller.signal);
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    await expect(queued).rejects.toBeInstanceOf(TimeoutError);
    expect(limiter.queued).toBe(0);
    gate.resolve();
    await running;
  });

  it('drain waits for running and queued work and refuses new work', async () => {
    const limiter = new Limiter({ concurrency: 1, queueSize: 1, retryAfterSeconds: 1 });
    const gate = deferred();
    const finished: string[] = [];
    const first = limiter.run(async () => {
      await gate.promise;
      finished.push('first');
    }, never);
    const second = limiter.run(async () => {
      finished.push('second');
    }, never);
    const drained = limiter.drain().then(() => finished.push('drained'));
    await expect(limiter.run(async () => undefined, never)).rejects.toBeInstanceOf(UnavailableError);
    gate.resolve();
    await Promise.all([first, second, drained]);
    expect(finished).toEqual(['first', 'second', 'drained']);
  });
});

describe('Limiter held slots and /health', () => {
  it('reports how long the oldest running job has held its slot, and forgets it when released', async () => {
    const limiter = new Limiter({ concurrency: 2, queueSize: 0, retryAfterSeconds: 1 });
    expect(limiter.oldestHeldMs()).toBe(0);
    const gate = deferred();
    const job = limiter.run(() => gate.promise, never);
    await new Promise((resolve) => setImmediate(resolve)); // admission settles a tick later
    expect(limiter.oldestHeldMs(Date.now() + 5000)).toBeGreaterThanOrEqual(5000);
    gate.resolve();
    await job;
    expect(limiter.oldestHeldMs(Date.now() + 5000)).toBe(0);
  });

  it('/health says degraded (503) while a slot is held past any job bound', async () => {
    const limiter = new Limiter({ concurrency: 1, queueSize: 0, retryAfterSeconds: 1 });
    const state = { limiter, pool: { ready: true }, draining: () => false, stuckAfterMs: 20 } as unknown as ServiceState;
    const gate = deferred();
    const job = limiter.run(() => gate.promise, never);
    expect((await healthRoute.handle(state, {} as IncomingMessage, silentLogger)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stuck = await healthRoute.handle(state, {} as IncomingMessage, silentLogger);
    expect(stuck.status).toBe(503);
    expect(JSON.parse(String(stuck.body))).toMatchObject({ status: 'degraded', running: 1 });
    gate.resolve();
    await job;
    expect((await healthRoute.handle(state, {} as IncomingMessage, silentLogger)).status).toBe(200);
  });
});
