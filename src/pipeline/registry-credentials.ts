import type { PipelineConfig } from '../config/schema.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import { createDefaultCredentialResolver } from '../registry/auth/default-resolver.js';

/**
 * The pipeline's registry credentials, in the project's one resolution order (the same
 * resolver `multiarch index` uses): Docker's `credHelpers`/`credsStore`/`auths` from
 * `dockerConfigDir`, and for ECR hosts GetAuthorizationToken with the config's region,
 * AWS keys and endpoint override. `dockerConfigDir` should be the directory the docker
 * CLI itself uses (`$DOCKER_CONFIG`, else `~/.docker`), so that the engine's `docker push`
 * and this client authenticate as the same identity.
 */
export function pipelineCredentials(config: PipelineConfig, dockerConfigDir: string): CredentialResolver {
  return createDefaultCredentialResolver({
    dockerConfigDir,
    ecr: {
      region: config.region,
      ...(config.ecrEndpoint ? { endpoint: config.ecrEndpoint } : {}),
      // a copy: the SDK tags the credentials object it is given, and ours is frozen
      ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    },
  });
}
