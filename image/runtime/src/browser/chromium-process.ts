import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BoundedPipeTransport, type PipeFailure } from './pipe-transport.js';

export interface SpawnChromiumOptions {
  readonly executablePath: string;
  /** Every flag except the profile and the pipe, which are added here. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Directory the per-browser profile is created in (mode 0700, removed when the browser
   * is killed). One profile per browser, so that nothing a browser writes (history, local
   * storage, cache) is in a directory another browser was pointed at.
   */
  readonly profileParent: string;
  readonly maxMessageBytes: number;
  /** Called when the pipe is given up (an oversized or undecodable message). */
  readonly onPipeFailure?: (failure: PipeFailure, detail: string) => void;
}

/** A Chromium speaking CDP over `--remote-debugging-pipe`: no DevTools port exists. */
export interface ChromiumProcess {
  readonly pid: number | undefined;
  readonly transport: BoundedPipeTransport;
  readonly userDataDir: string;
  /** Resolves when the launcher process has exited. */
  readonly exited: Promise<void>;
  /** Kills the whole process group (renderers and helpers too) and removes the profile. Idempotent. */
  kill(): Promise<void>;
}

/**
 * Starts Chromium in its own process group with the CDP pipe on fds 3/4. The group lets
 * `kill()` reap every helper at once, which matters when the browser is being dropped
 * because it misbehaved (a page flooding the pipe) and cannot be asked to close itself.
 */
export async function spawnChromium(options: SpawnChromiumOptions): Promise<ChromiumProcess> {
  const userDataDir = await mkdtemp(join(options.profileParent, 'profile-'));
  let child: ChildProcess;
  try {
    child = spawn(options.executablePath, [...options.args, `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: { ...options.env } } : {}),
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined, () => undefined);
  child.on('error', () => undefined);
  let killing: Promise<void> | null = null;
  const kill = (): Promise<void> => {
    killing ??= (async () => {
      transport.close();
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
      await exited;
      // Helpers of the group may still be exiting; the profile goes once they are.
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
    })();
    return killing;
  };
  const transport = new BoundedPipeTransport({
    toBrowser: child.stdio[3] as Writable,
    fromBrowser: child.stdio[4] as Readable,
    maxMessageBytes: options.maxMessageBytes,
    onFailure: (failure, detail) => {
      options.onPipeFailure?.(failure, detail);
      void kill();
    },
  });
  void exited.then(() => transport.close());
  return { pid: child.pid, transport, userDataDir, exited, kill };
}
