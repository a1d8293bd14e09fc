import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { browserEnvironment } from '../browser/launch.js';
import { resolveServiceConfig, type ConfigSource } from '../config.js';
import { createJsonLogger } from '../log.js';
import { installLastResortHandlers } from '../server/last-resort.js';
import { startService, type Service } from '../server/service.js';

export const usage = `browse serve [--host ADDR] [--port N] [--max-concurrency N] [--queue N] [--timeout MS]
                  [--restart-after N] [--allow LIST] [--no-auth]      (environment: BROWSE_*; see docs/runtime.md)`;

const FLAG_TO_SETTING = {
  host: 'BROWSE_HOST',
  port: 'BROWSE_PORT',
  'max-concurrency': 'BROWSE_MAX_CONCURRENCY',
  queue: 'BROWSE_QUEUE',
  timeout: 'BROWSE_TIMEOUT_MS',
  'restart-after': 'BROWSE_RESTART_AFTER',
  allow: 'BROWSE_ALLOW',
} as const;

/** `browse serve`: starts the service; resolves with it once it listens. */
export async function serveCommand(argv: string[], env: ConfigSource): Promise<Service> {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(FLAG_TO_SETTING).map((flag) => [flag, { type: 'string' as const }])), 'no-auth': { type: 'boolean' } },
  });
  const source: Record<string, string | undefined> = { ...env };
  for (const [flag, setting] of Object.entries(FLAG_TO_SETTING)) {
    const value = (values as Record<string, string | boolean | undefined>)[flag];
    if (typeof value === 'string') source[setting] = value;
  }
  if (values['no-auth']) source['BROWSE_AUTH'] = 'off';
  await chooseServiceBrowser(source);
  const config = resolveServiceConfig(source);
  const browserEnv = browserEnvironment(env);
  const log = createJsonLogger();
  installLastResortHandlers(log);
  return startService(config, { log, browserEnv });
}

/** Debian's chromium-headless-shell binary (its /usr/bin wrapper adds only a shell process). */
export const HEADLESS_SHELL_PATH = '/usr/lib/chromium/chromium-headless-shell';

/**
 * Picks the service's browser: BROWSE_EXECUTABLE_PATH when set, else the headless shell
 * when it is installed. The shell is started directly, not through Debian's launcher, so
 * the launcher hook's `--no-zygote` under QEMU (see image/chromium/container-flags.sh) is
 * decided here the same way: CHROMIUM_ZYGOTE=off, or a single-threaded shell that shows a
 * second task (QEMU's helper thread).
 */
async function chooseServiceBrowser(source: Record<string, string | undefined>): Promise<void> {
  if (!source['BROWSE_EXECUTABLE_PATH']) {
    const installed = await access(HEADLESS_SHELL_PATH, constants.X_OK).then(() => true, () => false);
    if (!installed) return;
    source['BROWSE_EXECUTABLE_PATH'] = HEADLESS_SHELL_PATH;
  }
  if (!/headless[-_]shell/.test(source['BROWSE_EXECUTABLE_PATH'] ?? '')) return;
  const zygote = source['CHROMIUM_ZYGOTE'] ?? 'auto';
  const emulated = zygote === 'auto' && (await promisify(execFile)('/bin/sh', ['-c', 'ls /proc/$$/task | wc -l']).then(({ stdout }) => Number(stdout.trim()) > 1, () => false));
  if (zygote === 'off' || emulated) source['BROWSE_CHROMIUM_ARGS'] = `${source['BROWSE_CHROMIUM_ARGS'] ?? ''} --no-zygote`;
}
