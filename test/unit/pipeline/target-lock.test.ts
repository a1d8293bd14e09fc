import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireTargetLock, lockPath } from '../../../src/pipeline/target-lock.js';

let state: string;
beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'multiarch-lock-'));
});
afterAll(async () => {
  if (state) await rm(state, { recursive: true, force: true });
});

describe('per-target lock', () => {
  it('exactly one of many concurrent runs gets it; --no-wait names the holder', async () => {
    const target = '127.0.0.1:5000/app:race';
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireTargetLock({ stateDir: state, target, runId: `run-${i}`, wait: false })));
    const won = attempts.filter((a) => a.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(lost.every((l) => (l.reason as { code?: string }).code === 'CONFLICT')).toBe(true);
    expect(String((lost[0]?.reason as Error).message)).toMatch(new RegExp(`being published by run run-\\d \\(pid ${process.pid}`));
    await (won[0] as PromiseFulfilledResult<{ release: () => Promise<void> }>).value.release();
    expect(await readdir(join(state, 'locks'))).toEqual([]);
  });

  it('a waiting run says whom it waits for, and gets the lock when the holder releases it', async () => {
    const target = '127.0.0.1:5000/app:queue';
    const first = await acquireTargetLock({ stateDir: state, target, runId: 'first', wait: true });
    const waitedFor: string[] = [];
    const second = acquireTargetLock({ stateDir: state, target, runId: 'second', wait: true, pollMs: 20, onWaiting: (h) => waitedFor.push(h.runId) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(waitedFor).toEqual(['first']);
    await first.release();
    const lock = await second;
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ runId: 'second', pid: process.pid });
    await lock.release();
  });

  it('a lock left by a process that died (kill -9) is taken over', async () => {
    const target = '127.0.0.1:5000/app:stale';
    const dead = await execa('sh', ['-c', 'echo $$']);
    await acquireTargetLock({ stateDir: state, target, runId: 'probe', wait: false }).then((l) => l.release());
    await writeFile(lockPath(state, target), JSON.stringify({ pid: Number(dead.stdout), runId: 'crashed', target, since: new Date().toISOString() }));
    const lock = await acquireTargetLock({ stateDir: state, target, runId: 'after', wait: false });
    await lock.release();
  });

  it('a waiting run stops waiting when cancelled', async () => {
    const target = '127.0.0.1:5000/app:cancel';
    const held = await acquireTargetLock({ stateDir: state, target, runId: 'held', wait: true });
    const controller = new AbortController();
    const waiting = acquireTargetLock({ stateDir: state, target, runId: 'waiting', wait: true, pollMs: 20, signal: controller.signal });
    controller.abort(new Error('SIGINT'));
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    await held.release();
  });
});
