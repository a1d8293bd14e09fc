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
  const config = resolveServiceConfig(source);
  const browserEnv = browserEnvironment(env);
  const log = createJsonLogger();
  installLastResortHandlers(log);
  return startService(config, { log, browserEnv });
}
