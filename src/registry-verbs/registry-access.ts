import type { CredentialResolver } from '../registry/auth/credentials.js';
import { RegistryClient } from '../registry/client.js';
import type { RetryOptions } from '../registry/retry.js';

/** How the library verbs reach registries; resolved by the caller (CLI) and passed in. */
export interface RegistryAccessOptions {
  /** Allow plain HTTP / unverified TLS to non-loopback registries. */
  readonly insecure?: boolean;
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Where credentials come from (default: anonymous). */
  readonly credentials?: CredentialResolver;
  /** Supplies the client for a registry host; the verb then leaves closing it to the caller. */
  readonly clientFactory?: (registry: string) => RegistryClient;
  readonly signal?: AbortSignal;
}

/** A client for one verb call: made here (and closed by `release`) unless one was injected. */
export function openClient(registry: string, options: RegistryAccessOptions): { client: RegistryClient; release: () => Promise<void> } {
  if (options.clientFactory) return { client: options.clientFactory(registry), release: async () => undefined };
  const client = new RegistryClient({ registry, insecure: options.insecure, timeoutMs: options.timeoutMs, retry: options.retry, credentials: options.credentials });
  return { client, release: () => client.close() };
}
