import { Option, type Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../errors.js';
import type { RegistryAccessOptions } from '../../registry-verbs/registry-access.js';
import { deferredResolver } from '../../registry/auth/credentials.js';

/** Flags every registry verb takes (`--insecure`, `--timeout`, `--ecr`). */
export interface RegistryFlags {
  readonly insecure?: boolean;
  readonly timeout?: string;
  readonly ecr?: boolean;
}

export function addRegistryFlags(command: Command): Command {
  return command
    .option('--insecure', 'allow plain HTTP and unverified TLS to a non-loopback registry')
    .option('--timeout <seconds>', 'per-request timeout in seconds', '30')
    .addOption(new Option('--ecr', 'treat the registry as Amazon ECR (password from GetAuthorizationToken) even if its host name does not say so'));
}

/** The one place these verbs read the environment: Docker config location and AWS settings. */
export function registryAccessFromFlags(flags: RegistryFlags, registryHosts: readonly string[], env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): RegistryAccessOptions {
  const seconds = Number(flags.timeout ?? '30');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new BadInputError(`invalid --timeout "${flags.timeout}": expected a positive number of seconds`);
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined;
  const endpoint = env['AWS_ENDPOINT_URL_ECR'] || env['AWS_ENDPOINT_URL'] || undefined;
  const dockerConfigDir = env['DOCKER_CONFIG'] || join(homedir(), '.docker');
  const credentials = deferredResolver(async () => {
    const { createDefaultCredentialResolver } = await import('../../registry/auth/default-resolver.js');
    return createDefaultCredentialResolver({ dockerConfigDir, ecr: { region, endpoint, hosts: flags.ecr ? registryHosts : [] } });
  });
  return Object.freeze({ insecure: flags.insecure === true, timeoutMs: Math.round(seconds * 1000), credentials, signal });
}

/** `multiarch index` is shared by several files; whichever registers first creates it. */
export function indexCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'index') ?? program.command('index').description('create and inspect multi-arch image indexes (OCI Distribution API)');
}
