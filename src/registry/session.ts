import { MultiarchError } from '../errors.js';
import type { CredentialResolver } from './auth/credentials.js';
import { RegistryClient, isLoopbackRegistry } from './client.js';
import type { RetryOptions } from './retry.js';
import { createConnectionPool, type ConnectionPool } from './transport.js';

/** Settings shared by every registry a session talks to; resolved once by the caller. */
export interface RegistrySessionOptions {
  /** Allow plain HTTP / unverified TLS to non-loopback registries. */
  readonly insecure?: boolean;
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Where credentials come from (default: anonymous). */
  readonly credentials?: CredentialResolver;
  readonly userAgent?: string;
}

/**
 * One run's access to registries: a `RegistryClient` per registry host, created on first
 * use and then reused by every step (create index, verify, resolve digest, move tags), so
 * they share its bearer tokens, its credential lookup (one ECR call, one helper run) and
 * its scheme decision; and keep-alive connections under all of them, so steps
 * after the first reuse open connections. Hold one per run, pass it to the verbs
 * (`{ session }`), and `close()` it at the end.
 */
export class RegistrySession {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly pools = new Map<'verify' | 'skip', ConnectionPool>();
  private closed = false;

  constructor(private readonly options: RegistrySessionOptions = {}) {}

  /** The client for a registry host (`host[:port]`, as in references). */
  client(registry: string): RegistryClient {
    if (this.closed) throw new MultiarchError('INTERNAL', 'registry session is closed');
    let client = this.clients.get(registry);
    if (!client) {
      client = new RegistryClient({
        registry,
        insecure: this.options.insecure,
        timeoutMs: this.options.timeoutMs,
        retry: this.options.retry,
        credentials: this.options.credentials,
        userAgent: this.options.userAgent,
        pool: this.poolFor(this.options.insecure === true || isLoopbackRegistry(registry)),
      });
      this.clients.set(registry, client);
    }
    return client;
  }

  /** Closes the connection pool; clients handed out stop working. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
    this.clients.clear();
  }

  // Certificate checks are a property of the connection pool, so registries that may skip
  // them (loopback, --insecure) get a pool of their own.
  private poolFor(skipTlsVerify: boolean): ConnectionPool {
    const key = skipTlsVerify ? 'skip' : 'verify';
    let pool = this.pools.get(key);
    if (!pool) {
      pool = createConnectionPool({ skipTlsVerify });
      this.pools.set(key, pool);
    }
    return pool;
  }
}
