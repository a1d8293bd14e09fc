import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DockerCli } from '../docker/docker-cli.js';
import { BadInputError } from '../errors.js';
import { runContext } from './run-context.js';

/** Options shared by the verbs that use the local host (Docker engine, state dir, registry). */
export interface HostOptions {
  readonly stateDir: string;
  readonly registryPort: number;
  readonly docker: DockerCli;
}

export function addHostOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'where base tarballs, logs and registry data live (env MULTIARCH_STATE_DIR)')
    .option('--registry-port <port>', 'port of the local registry on 127.0.0.1 (env MULTIARCH_REGISTRY_PORT)')
    .option('--docker-host <host>', 'Docker engine to use: unix://, tcp:// or ssh:// (env DOCKER_HOST)')
    .option('--docker-context <name>', 'Docker context to use');
}

export function resolveHostOptions(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = runContext().env): HostOptions {
  const portText = (raw['registryPort'] as string | undefined) ?? env['MULTIARCH_REGISTRY_PORT'] ?? '5000';
  const registryPort = Number(portText);
  if (!Number.isInteger(registryPort) || registryPort < 1 || registryPort > 65535) {
    throw new BadInputError(`--registry-port must be a TCP port (1-65535), got "${portText}"`);
  }
  const host = (raw['dockerHost'] as string | undefined) ?? env['DOCKER_HOST'];
  const context = raw['dockerContext'] as string | undefined;
  return Object.freeze({
    stateDir: (raw['stateDir'] as string | undefined) ? resolve(raw['stateDir'] as string) : runContext().stateDir,
    registryPort,
    docker: new DockerCli({ ...(host ? { host } : {}), ...(context ? { context } : {}), ...(env['MULTIARCH_DOCKER_BIN'] ? { bin: env['MULTIARCH_DOCKER_BIN'] } : {}) }),
  });
}
