import { createDockerConfigResolver, helperFor } from './docker-config.js';
import { getFromCredentialHelper, type HelperRunner } from './credential-helper.js';
import type { CredentialResolver } from './credentials.js';
import { createEcrCredentialResolver, type EcrResolverOptions } from './ecr.js';

export interface DefaultResolverOptions {
  /** Directory holding Docker's `config.json` (the CLI resolves `$DOCKER_CONFIG` / `~/.docker`). */
  readonly dockerConfigDir: string;
  /** ECR settings; ECR hosts get their password from GetAuthorizationToken. */
  readonly ecr?: EcrResolverOptions;
  readonly helperRunner?: HelperRunner;
}

/**
 * The project's resolution order. For an ECR host: a `credHelpers` entry naming that host
 * (e.g. `ecr-login`), else the AWS SDK (always fresh, unlike a `docker login` password
 * saved 12 hours ago). For any other host: Docker's order (`credHelpers`, `credsStore`,
 * `auths`). Nothing found means anonymous.
 */
export function createDefaultCredentialResolver(options: DefaultResolverOptions): CredentialResolver {
  const docker = createDockerConfigResolver({ configDir: options.dockerConfigDir, helperRunner: options.helperRunner });
  const ecr = createEcrCredentialResolver(options.ecr);
  return {
    async resolve(registry, signal) {
      if (!ecr.handles(registry)) return docker.resolve(registry, signal);
      const config = await docker.config();
      const helper = helperFor(config, registry);
      if (helper) return getFromCredentialHelper(helper, registry, options.helperRunner, signal);
      return ecr.resolve(registry, signal);
    },
  };
}
