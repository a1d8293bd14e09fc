import { join } from 'node:path';
import { execa } from 'execa';
import { HostSetupError } from '../errors.js';
import { projectRoot } from '../project-paths.js';

export interface SetupHostOptions {
  readonly registryPort: number;
  readonly stateDir: string;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string) => void;
}

/**
 * Runs scripts/setup-host.sh, the idempotent installer shared with CI and `npm test`
 * (a shell script because it must work before `npm ci` has installed anything).
 */
export async function setupHost(options: SetupHostOptions): Promise<void> {
  const script = join(projectRoot(), 'scripts', 'setup-host.sh');
  const child = execa('bash', [script], {
    reject: false,
    all: true,
    cancelSignal: options.signal,
    env: { MULTIARCH_REGISTRY_PORT: String(options.registryPort), MULTIARCH_STATE_DIR: options.stateDir },
  });
  child.all?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) options.onLine?.(line);
  });
  const result = await child;
  if (result.exitCode !== 0) {
    const all = typeof result.all === 'string' ? result.all : '';
    const last = all.trim().split('\n').at(-1) ?? '';
    throw new HostSetupError(`host setup failed (exit ${result.exitCode}): ${last.replace(/^\[setup\] error: /, '')}`);
  }
}
