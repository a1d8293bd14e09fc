import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialResolver, RegistryCredential } from '../registry/auth/credentials.js';

/** The `auths` entry the docker CLI reads for one registry, from our resolved credential. */
export function dockerAuthEntry(credential: RegistryCredential | undefined): Record<string, string> {
  if (!credential) return {};
  if (credential.identityToken) return { auth: Buffer.from(`${credential.username ?? '<token>'}:`).toString('base64'), identitytoken: credential.identityToken };
  if (credential.registryToken) return { registrytoken: credential.registryToken };
  return { auth: Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`).toString('base64') };
}

/**
 * Runs `work` with a private docker config (mode 0700, removed afterwards) holding only
 * the credential our resolver found for `registry`: `docker push` then authenticates
 * exactly as the project's own client does (ECR through the SDK, credential helpers,
 * Docker's config), one credential path instead of two.
 */
export async function withPushCredentials<T>(resolver: CredentialResolver, registry: string, signal: AbortSignal | undefined, work: (env: Readonly<Record<string, string>>) => Promise<T>): Promise<T> {
  const credential = await resolver.resolve(registry, signal);
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-push-'));
  try {
    await writeFile(join(dir, 'config.json'), `${JSON.stringify({ auths: { [registry]: dockerAuthEntry(credential) } })}\n`, { mode: 0o600 });
    return await work({ DOCKER_CONFIG: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
