import type { RegistryClient } from '../registry/client.js';
import { RegistrySession, type RegistrySessionOptions } from '../registry/session.js';

/**
 * How the library verbs reach registries; resolved by the caller (CLI) and passed in.
 * With `session`, the verb uses that run's clients (shared tokens and connections) and
 * the other access settings are the session's; without one, it opens a session of its
 * own for the call and closes it before returning.
 */
export interface RegistryAccessOptions extends RegistrySessionOptions {
  readonly session?: RegistrySession;
  readonly signal?: AbortSignal;
}

/** A client for one verb call: the session's, or one from a session made (and closed by `release`) here. */
export function openClient(registry: string, options: RegistryAccessOptions): { client: RegistryClient; release: () => Promise<void> } {
  if (options.session) return { client: options.session.client(registry), release: async () => undefined };
  const session = new RegistrySession(options);
  return { client: session.client(registry), release: () => session.close() };
}
