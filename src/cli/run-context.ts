import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '../project-paths.js';

/**
 * What the CLI takes from its environment, read once per process and handed to every
 * verb: no command (and no library code) reads `process.env` on its own.
 */
export interface RunContext {
  /** A frozen copy of the environment, for the config loader's environment layer. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `CI` is set: plain progress lines instead of a live display. */
  readonly ci: boolean;
  /** `$DOCKER_CONFIG`, else `~/.docker`: registry credentials, shared with the docker CLI. */
  readonly dockerConfigDir: string;
  /** `MULTIARCH_DEBUG`: print stacks with errors. */
  readonly debug: boolean;
  /** `MULTIARCH_STATE_DIR`, else `<package>/.multiarch`: locks, logs, base tarballs. */
  readonly stateDir: string;
}

let cached: RunContext | undefined;

export function runContext(): RunContext {
  if (!cached) {
    const env = Object.freeze({ ...process.env });
    cached = Object.freeze({
      env,
      ci: Boolean(env['CI']),
      dockerConfigDir: env['DOCKER_CONFIG'] || join(homedir(), '.docker'),
      debug: Boolean(env['MULTIARCH_DEBUG']),
      stateDir: resolve(env['MULTIARCH_STATE_DIR'] || defaultStateDir()),
    });
  }
  return cached;
}

/** Forget the snapshot (tests that run several CLI invocations with different environments). */
export function resetRunContext(): void {
  cached = undefined;
}
