import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from '../../oci/schema-kit.js';
import { ConfigError } from '../../errors.js';
import { getFromCredentialHelper, type HelperRunner } from './credential-helper.js';
import type { CredentialResolver, RegistryCredential } from './credentials.js';

const AuthEntrySchema = z.looseObject({
  auth: z.optional(z.string()),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
  identitytoken: z.optional(z.string()),
  registrytoken: z.optional(z.string()),
});

const DockerConfigSchema = z.looseObject({
  auths: z.optional(z.record(z.string(), AuthEntrySchema)),
  credHelpers: z.optional(z.record(z.string(), z.string())),
  credsStore: z.optional(z.string()),
});

export type DockerConfigFile = z.infer<typeof DockerConfigSchema>;

/** The key Docker uses for Docker Hub in `auths` and when calling helpers. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://host:5000/v1/` → `host:5000`, as Docker's ConvertToHostname does for `auths` keys. */
export function hostnameOfKey(key: string): string {
  const stripped = key.replace(/^[a-z]+:\/\//i, '');
  return stripped.split('/')[0] ?? stripped;
}

function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host);
}

/** Reads `<dir>/config.json`; a missing file is an empty config, a broken one an error. */
export async function readDockerConfig(configDir: string): Promise<DockerConfigFile> {
  const path = join(configDir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read Docker config ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Docker config ${path} is not valid JSON`, { cause: error });
  }
  const parsed = DockerConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`Docker config ${path} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function entryCredential(entry: z.infer<typeof AuthEntrySchema>, source: string): RegistryCredential | undefined {
  if (entry.registrytoken) return { registryToken: entry.registrytoken, source };
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (entry.identitytoken) return { username, identityToken: entry.identitytoken, source };
  return username && password ? { username, password, source } : undefined;
}

/** The server URL to name in helper calls and to look up in `auths` (Docker Hub is special). */
export function serverKeyFor(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_SERVER : registry;
}

/** The `credHelpers` entry for a host, if the config names one. */
export function helperFor(config: DockerConfigFile, registry: string): string | undefined {
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    const host = hostnameOfKey(key);
    if (host === registry || (isDockerHub(registry) && isDockerHub(host))) return helper;
  }
  return undefined;
}

export interface DockerConfigResolverOptions {
  /** `$DOCKER_CONFIG`, else `~/.docker` — resolved by the caller (CLI), not here. */
  readonly configDir: string;
  readonly helperRunner?: HelperRunner;
}

/**
 * Docker's own order: a `credHelpers` entry for the host, else the `credsStore` helper,
 * else the `auths` entry (basic `auth`, `identitytoken` or `registrytoken`). The file is
 * read once per resolver.
 */
export function createDockerConfigResolver(options: DockerConfigResolverOptions): CredentialResolver & { config(): Promise<DockerConfigFile> } {
  let loaded: Promise<DockerConfigFile> | undefined;
  const config = (): Promise<DockerConfigFile> => (loaded ??= readDockerConfig(options.configDir));
  return {
    config,
    async resolve(registry, signal) {
      const file = await config();
      const server = serverKeyFor(registry);
      const helper = helperFor(file, registry);
      if (helper) return getFromCredentialHelper(helper, server, options.helperRunner, signal);
      if (file.credsStore) {
        const fromStore = await getFromCredentialHelper(file.credsStore, server, options.helperRunner, signal);
        if (fromStore) return fromStore;
      }
      for (const [key, entry] of Object.entries(file.auths ?? {})) {
        const host = hostnameOfKey(key);
        if (host === registry || (isDockerHub(registry) && isDockerHub(host))) {
          const credential = entryCredential(entry, `auths entry "${key}" in ${join(options.configDir, 'config.json')}`);
          if (credential) return credential;
        }
      }
      return undefined;
    },
  };
}
