import { DockerCli } from '../docker/docker-cli.js';
import type { Builder } from './builder.js';
import { createLocalDockerBuilder } from './local-docker.js';

export interface RemoteDockerOptions {
  /** `DOCKER_HOST` form: `unix:///path.sock`, `tcp://host:2375`, `ssh://user@host`. */
  readonly host?: string;
  /** Or a Docker context name. */
  readonly context?: string;
  readonly bin?: string;
  readonly signal?: AbortSignal;
}

/**
 * A builder on another Docker engine. The engine builds, smoke-tests and pushes itself,
 * so the image never travels through this machine; it must reach the registry.
 * Checked up front so an unreachable engine fails before any arch starts.
 */
export async function createRemoteDockerBuilder(options: RemoteDockerOptions): Promise<{ builder: Builder; docker: DockerCli }> {
  const docker = new DockerCli({
    ...(options.bin ? { bin: options.bin } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  await docker.assertReachable(options.signal);
  return { builder: createLocalDockerBuilder({ docker }), docker };
}
