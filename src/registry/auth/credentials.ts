/**
 * What a credential source yields for one registry host. Exactly one form is normally set:
 * username/password (basic, or exchanged at the token realm), an identity token (OAuth2
 * refresh token, from `docker login` to registries that issue one), or a registry token
 * sent as-is as a bearer token.
 */
export interface RegistryCredential {
  readonly username?: string;
  readonly password?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
  /**
   * Where these came from, for messages when the registry rejects them (`auths entry
   * "host" in /root/.docker/config.json`, `credential helper docker-credential-pass`…).
   */
  readonly source?: string;
}

/** The seam between the client and wherever secrets live (Docker config, helpers, AWS). */
export interface CredentialResolver {
  /** Credentials for a registry host (`host[:port]`); undefined means anonymous. */
  resolve(registry: string, signal?: AbortSignal): Promise<RegistryCredential | undefined>;
}

/** No credentials for anyone. */
export const anonymousResolver: CredentialResolver = { resolve: async () => undefined };

/** Fixed credentials per host — for tests and for callers that already hold a secret. */
export function staticCredentials(byHost: Readonly<Record<string, RegistryCredential>>): CredentialResolver {
  return {
    resolve: async (registry) => {
      const credential = byHost[registry];
      return credential && !credential.source ? { ...credential, source: 'credentials given by the caller' } : credential;
    },
  };
}

/** The first resolver that returns credentials wins. */
export function chainResolvers(...resolvers: readonly CredentialResolver[]): CredentialResolver {
  return {
    async resolve(registry, signal) {
      for (const resolver of resolvers) {
        const credential = await resolver.resolve(registry, signal);
        if (credential) return credential;
      }
      return undefined;
    },
  };
}

/**
 * A resolver built on first use: the real one (Docker config parsing, helpers, AWS SDK)
 * is loaded only when a registry actually asks for credentials, which an anonymous
 * registry never does.
 */
export function deferredResolver(load: () => Promise<CredentialResolver>): CredentialResolver {
  let loaded: Promise<CredentialResolver> | undefined;
  return {
    async resolve(registry, signal) {
      loaded ??= load();
      return (await loaded).resolve(registry, signal);
    },
  };
}
