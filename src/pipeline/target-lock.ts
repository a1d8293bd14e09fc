import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, ConflictError } from '../errors.js';

/** Who holds a target: written into the lock file, shown to whoever waits. */
export interface LockHolder {
  readonly pid: number;
  readonly runId: string;
  readonly target: string;
  readonly since: string;
}

export interface TargetLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface AcquireTargetLockOptions {
  readonly stateDir: string;
  /** The multi-arch tag reference the run publishes. */
  readonly target: string;
  readonly runId: string;
  /** false: fail at once with ConflictError when another run holds the target. */
  readonly wait: boolean;
  readonly signal?: AbortSignal;
  /** Called once when the run starts waiting. */
  readonly onWaiting?: (holder: LockHolder) => void;
  readonly pollMs?: number;
}

/** `<state>/locks/<sha256(target)>.lock`: the target's name is free-form, the file name is not. */
export function lockPath(stateDir: string, target: string): string {
  return join(stateDir, 'locks', `${createHash('sha256').update(target).digest('hex').slice(0, 32)}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * One run per target on this machine: created with O_EXCL, so of two runs exactly one
 * gets it. A lock whose process is gone (killed -9, machine crash) is taken over. Runs on
 * other machines are not covered: the publish step's moved-tag check is what stops those.
 */
export async function acquireTargetLock(options: AcquireTargetLockOptions): Promise<TargetLock> {
  const path = lockPath(options.stateDir, options.target);
  await mkdir(join(options.stateDir, 'locks'), { recursive: true });
  const me: LockHolder = { pid: process.pid, runId: options.runId, target: options.target, since: new Date().toISOString() };
  let announced = false;
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError(`waiting for the lock on ${options.target} cancelled`, { cause: options.signal.reason });
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return {
        path,
        release: async () => {
          const holder = await readHolder(path);
          if (holder?.runId === me.runId) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    const abandoned = !holder && (await stat(path).then((st) => Date.now() - st.mtimeMs > 5_000, () => false));
    if ((holder && !alive(holder.pid)) || abandoned) {
      // Renaming is atomic: of two runs finding the same stale lock, one moves it away.
      await rename(path, `${path}.stale-${process.pid}`).then(() => unlink(`${path}.stale-${process.pid}`)).catch(() => undefined);
      continue;
    }
    if (!holder) {
      // written but not yet filled in by its creator: look again shortly
      await pause(50, options.signal);
      continue;
    }
    if (!options.wait) {
      throw new ConflictError(`${options.target} is being published by run ${holder.runId} (pid ${holder.pid}, since ${holder.since}); rerun without --no-wait to wait for it`);
    }
    if (!announced) {
      options.onWaiting?.(holder);
      announced = true;
    }
    await pause(options.pollMs ?? 500, options.signal);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
