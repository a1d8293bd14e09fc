import { sha256Digest, type Digest } from '../oci/digest.js';
import { MANIFEST_ACCEPT, bareMediaType } from '../oci/media-types.js';
import { Authenticator, describeCredential } from './auth/authenticator.js';
import { repositoryScope } from './auth/challenge.js';
import { anonymousResolver, type CredentialResolver } from './auth/credentials.js';
import { AuthError, DigestMismatchError, NotFoundError, RegistryError, TransportError, UnsupportedOperationError, registryErrorFromBody } from './errors.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { withRetry, type RetryOptions } from './retry.js';
import { createBaseTransport, type ConnectionPool, type Transport } from './transport.js';
import { timeoutSignal } from '../timeout-signal.js';

export interface RegistryClientOptions {
  /** Registry host as in references (`host[:port]`; `docker.io` means Docker Hub). */
  readonly registry: string;
  /** Allow plain HTTP (and unverified TLS) to a non-loopback host. */
  readonly insecure?: boolean;
  readonly credentials?: CredentialResolver;
  /** Per-attempt request timeout (default 30 s). */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly userAgent?: string;
  /**
   * `https` or `http` when the caller knows it; default: `http` for loopback hosts (no
   * probe; switched to HTTPS if the server answers that it speaks TLS), `https` otherwise,
   * and with `insecure` one HTTPS probe that falls back to HTTP.
   */
  readonly scheme?: 'https' | 'http';
  /** Connections to share (a `RegistrySession`'s); their owner closes them. */
  readonly pool?: ConnectionPool;
}

export interface ManifestInfo {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

export interface FetchedManifest extends ManifestInfo {
  /** Exact bytes as served (the digest is over these; never re-serialise before pushing). */
  readonly bytes: Buffer;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What a Go TLS server (Distribution among them) answers a plain-HTTP request with. */
const TLS_ONLY_ANSWER = /HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/i;

/** 127.0.0.0/8, ::1 and localhost: Docker lets these speak plain HTTP, and so do we. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : (registry.split(':')[0] ?? '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A client of the OCI Distribution API for one registry: one method per operation of the
 * spec. Every manifest and blob it returns has been checked against its digest; every push
 * is checked against the digest the registry reports back. Transport layers, outermost
 * first: auth (challenge, one re-auth on 401) → retry (429/5xx/resets, Retry-After) →
 * base (timeouts, redirects, body limits).
 */
export class RegistryClient {
  readonly registry: string;
  private readonly apiHost: string;
  private readonly allowHttp: boolean;
  private readonly base: Transport;
  private readonly auth: Authenticator;
  private readonly fixedScheme?: 'https' | 'http';
  private baseUrl?: Promise<string>;
  /** Set once a request got an HTTP answer: the scheme in use is then known to work. */
  private schemeConfirmed = false;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    // Docker Hub's API is not served on its reference name.
    this.apiHost = options.registry === 'docker.io' ? 'registry-1.docker.io' : options.registry;
    const loopback = isLoopbackRegistry(options.registry);
    this.allowHttp = options.insecure === true || loopback;
    this.fixedScheme = options.scheme;
    // A loopback registry is plain HTTP in practice (Docker's own rule lets it be): start
    // there rather than pay an HTTPS probe on every run.
    if (!options.scheme && loopback) this.baseUrl = Promise.resolve(`http://${this.apiHost}`);
    if (options.scheme) this.baseUrl = Promise.resolve(`${options.scheme}://${this.apiHost}`);
    this.base = createBaseTransport({ timeoutMs: options.timeoutMs, userAgent: options.userAgent, skipTlsVerify: this.allowHttp, pool: options.pool });
    this.auth = new Authenticator(options.registry, withRetry(this.base.send, options.retry), options.credentials ?? anonymousResolver);
  }

  /** Tells the auth layer which scopes this run needs, so one token covers them all. */
  declareScopes(scopes: readonly string[]): void {
    this.auth.declareScopes(scopes);
  }

  /** `GET /v2/` — checks the registry is reachable and the credentials are accepted. */
  async ping(options: CallOptions = {}): Promise<void> {
    const response = await this.request({ method: 'GET', path: '/v2/', scopes: [], signal: options.signal });
    if (response.status !== 200) this.fail(response, `registry ${this.registry}`);
  }

  /** `HEAD /v2/<name>/manifests/<ref>`; undefined when it does not exist. */
  async headManifest(repository: string, reference: string, options: CallOptions = {}): Promise<ManifestInfo | undefined> {
    const response = await this.request({ method: 'HEAD', path: `/v2/${repository}/manifests/${reference}`, scopes: [repositoryScope(repository, ['pull'])], headers: { accept: MANIFEST_ACCEPT.join(', ') }, signal: options.signal });
    if (response.status === 404) return undefined;
    if (response.status !== 200) this.fail(response, `manifest ${this.name(repository, reference)}`);
    const digest = response.headers['docker-content-digest'];
    const size = Number(response.headers['content-length']);
    const mediaType = bareMediaType(response.headers['content-type']);
    if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest) || !Number.isFinite(size) || !mediaType) {
      // Some registries omit Docker-Content-Digest on HEAD; fetch to learn it for sure.
      const fetched = await this.getManifest(repository, reference, options);
      return { digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType };
    }
    if (reference.startsWith('sha256:') && digest !== reference) throw new DigestMismatchError(`manifest ${this.name(repository, reference)}: registry reports digest ${digest}`);
    return { digest: digest as Digest, size, mediaType };
  }

  /** `GET /v2/<name>/manifests/<ref>`, digest-checked. */
  async getManifest(repository: string, reference: string, options: CallOptions = {}): Promise<FetchedManifest> {
    const what = `manifest ${this.name(repository, reference)}`;
    const response = await this.request({ method: 'GET', path: `/v2/${repository}/manifests/${reference}`, scopes: [repositoryScope(repository, ['pull'])], headers: { accept: MANIFEST_ACCEPT.join(', ') }, maxBodyBytes: MAX_MANIFEST_BYTES, signal: options.signal });
    if (response.status !== 200) this.fail(response, what);
    const digest = sha256Digest(response.body);
    const expected = reference.startsWith('sha256:') ? reference : response.headers['docker-content-digest'];
    if (expected && expected.startsWith('sha256:') && expected !== digest) {
      throw new DigestMismatchError(`${what}: content hashes to ${digest}, expected ${expected}`);
    }
    const mediaType = parseMediaTypeField(response.body) ?? bareMediaType(response.headers['content-type']) ?? 'application/octet-stream';
    return { digest, size: response.body.length, mediaType, bytes: response.body };
  }

  /**
   * `PUT /v2/<name>/manifests/<ref>` with the manifest's own media type as Content-Type
   * (ECR and others reject a mismatch); returns the digest after checking the registry's.
   */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options: CallOptions = {}): Promise<Digest> {
    const what = `pushing manifest ${this.name(repository, reference)}`;
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && reference !== digest) throw new DigestMismatchError(`${what}: content hashes to ${digest}`);
    const response = await this.request({ method: 'PUT', path: `/v2/${repository}/manifests/${reference}`, scopes: [repositoryScope(repository, ['pull', 'push'])], headers: { 'content-type': mediaType }, body: bytes, signal: options.signal });
    if (response.status !== 201 && response.status !== 200 && response.status !== 202) this.fail(response, what);
    const reported = response.headers['docker-content-digest'];
    if (reported && reported !== digest) throw new DigestMismatchError(`${what}: registry stored ${reported}, expected ${digest}`);
    return digest;
  }

  /**
   * `DELETE /v2/<name>/manifests/<ref>`. By digest it removes the manifest and every tag on
   * it; by tag (OCI distribution 1.1) only the tag, where the registry supports that.
   * Throws NotFoundError when absent, UnsupportedOperationError when the registry does not
   * allow the deletion (delete disabled, or tags not deletable).
   */
  async deleteManifest(repository: string, reference: string, options: CallOptions = {}): Promise<void> {
    const what = `deleting manifest ${this.name(repository, reference)}`;
    const response = await this.request({ method: 'DELETE', path: `/v2/${repository}/manifests/${reference}`, scopes: [repositoryScope(repository, ['delete'])], signal: options.signal });
    if (response.status === 202 || response.status === 200 || response.status === 204) return;
    const { code } = registryErrorFromBody(response.body);
    // Distribution answers 405 UNSUPPORTED with delete disabled, and 400 DIGEST_INVALID to
    // a tag on versions that cannot delete tags; ECR answers 405 too.
    if (response.status === 405 || code === 'UNSUPPORTED' || (response.status === 400 && !reference.startsWith('sha256:') && code === 'DIGEST_INVALID')) {
      const how = reference.startsWith('sha256:') ? 'manifest deletion is disabled there' : 'it cannot delete a tag on its own (delete by digest removes every tag on that manifest)';
      throw new UnsupportedOperationError(`${what}: ${this.registry} does not support this: ${how}`, { status: response.status, registryCode: code });
    }
    this.fail(response, what);
  }

  /** `HEAD /v2/<name>/blobs/<digest>`; undefined when absent. */
  async headBlob(repository: string, digest: string, options: CallOptions = {}): Promise<{ readonly size: number } | undefined> {
    const response = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes: [repositoryScope(repository, ['pull'])], signal: options.signal });
    if (response.status === 404) return undefined;
    if (response.status !== 200) this.fail(response, `blob ${this.registry}/${repository}@${digest}`);
    return { size: Number(response.headers['content-length'] ?? Number.NaN) };
  }

  /** `GET /v2/<name>/blobs/<digest>`, buffered and digest-checked (configs, small layers). */
  async getBlob(repository: string, digest: string, options: CallOptions & { readonly maxBytes?: number } = {}): Promise<Buffer> {
    const what = `blob ${this.registry}/${repository}@${digest}`;
    const response = await this.request({ method: 'GET', path: `/v2/${repository}/blobs/${digest}`, scopes: [repositoryScope(repository, ['pull'])], maxBodyBytes: options.maxBytes ?? 64 * 1024 * 1024, signal: options.signal });
    if (response.status !== 200) this.fail(response, what);
    const actual = sha256Digest(response.body);
    if (actual !== digest) throw new DigestMismatchError(`${what}: content hashes to ${actual}`);
    return response.body;
  }

  /** Monolithic upload: `POST /v2/<name>/blobs/uploads/` then `PUT <location>?digest=`. */
  async uploadBlob(repository: string, data: Buffer, options: CallOptions = {}): Promise<Digest> {
    const digest = sha256Digest(data);
    const what = `uploading blob ${digest} to ${this.registry}/${repository}`;
    const scopes = [repositoryScope(repository, ['pull', 'push'])];
    const started = await this.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, scopes, signal: options.signal });
    if (started.status !== 202) this.fail(started, what);
    const location = await this.uploadUrl(started, what, digest);
    const done = await this.request({ method: 'PUT', url: location, scopes, headers: { 'content-type': 'application/octet-stream' }, body: data, signal: options.signal });
    if (done.status === 404 && (await this.headBlob(repository, digest, options))) return digest; // a retried PUT after the first one landed
    if (done.status !== 201 && done.status !== 204) this.fail(done, what);
    const reported = done.headers['docker-content-digest'];
    if (reported && reported !== digest) throw new DigestMismatchError(`${what}: registry stored ${reported}`);
    return digest;
  }

  /**
   * Cross-repository mount: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`.
   * True when mounted (201); false when the registry declined (202; the opened upload is
   * cancelled) and the caller must copy the blob instead.
   */
  async mountBlob(repository: string, digest: string, fromRepository: string, options: CallOptions = {}): Promise<boolean> {
    const what = `mounting blob ${digest} from ${fromRepository} into ${this.registry}/${repository}`;
    const scopes = [repositoryScope(repository, ['pull', 'push']), repositoryScope(fromRepository, ['pull'])];
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const response = await this.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/?${query.toString()}`, scopes, signal: options.signal });
    if (response.status === 201) return true;
    if (response.status !== 202) this.fail(response, what);
    const location = response.headers['location'];
    if (location) {
      const url = new URL(location, await this.baseUrlFor(options.signal)).toString();
      await this.request({ method: 'DELETE', url, scopes, signal: options.signal }).catch(() => undefined);
    }
    return false;
  }

  /** `GET /v2/<name>/tags/list`, following `Link` pagination. */
  async listTags(repository: string, options: CallOptions = {}): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list`;
    while (path) {
      const response = await this.request({ method: 'GET', path, scopes: [repositoryScope(repository, ['pull'])], signal: options.signal });
      if (response.status !== 200) this.fail(response, `tags of ${this.registry}/${repository}`);
      const body = JSON.parse(response.body.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(response.headers['link'] ?? '')?.[1];
      path = next ? new URL(next, 'http://x').pathname + new URL(next, 'http://x').search : undefined;
    }
    return tags;
  }

  async close(): Promise<void> {
    await this.base.close();
  }

  private name(repository: string, reference: string): string {
    return `${this.registry}/${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
  }

  private async uploadUrl(started: HttpResponse, what: string, digest: string): Promise<string> {
    const location = started.headers['location'];
    if (!location) throw new RegistryError(`${what}: registry sent no upload Location`);
    const url = new URL(location, await this.baseUrlFor());
    url.searchParams.set('digest', digest);
    return url.toString();
  }

  /**
   * HTTPS unless plain HTTP is allowed (loopback or --insecure); then HTTPS is tried once
   * and HTTP used if nothing speaks TLS there — Docker's rule for insecure registries.
   */
  private baseUrlFor(signal?: AbortSignal): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    if (!this.allowHttp) return (this.baseUrl = Promise.resolve(`https://${this.apiHost}`));
    const probe = (async () => {
      const https = `https://${this.apiHost}`;
      if (!this.allowHttp) return https;
      try {
        const probeSignal = signal ? AbortSignal.any([signal, timeoutSignal(3_000)]) : timeoutSignal(3_000);
        await this.base.send({ method: 'GET', url: `${https}/v2/`, signal: probeSignal });
        return https;
      } catch (error) {
        if (signal?.aborted) throw error;
        return `http://${this.apiHost}`;
      }
    })();
    this.baseUrl = probe;
    // A probe cut short by cancellation must not decide the scheme for later calls.
    probe.catch(() => {
      if (this.baseUrl === probe) this.baseUrl = undefined;
    });
    return probe;
  }

  private async request(spec: Omit<HttpRequest, 'url'> & { readonly path?: string; readonly url?: string }): Promise<HttpResponse> {
    const base = spec.url ? undefined : await this.baseUrlFor(spec.signal);
    // Plain HTTP was guessed (loopback) and has not yet been seen to work: a TLS-only
    // server answers it with a 400 (Go, nginx) or drops the connection (Node and others).
    const guessedHttp = base?.startsWith('http:') === true && !this.fixedScheme && !this.schemeConfirmed;
    let response: HttpResponse;
    try {
      response = await this.auth.send({ ...spec, url: spec.url ?? `${base}${spec.path ?? '/v2/'}` });
    } catch (error) {
      const dropped = error instanceof TransportError && !error.timedOut && !/ECONNREFUSED/.test(error.message);
      if (!guessedHttp || !dropped) throw error;
      // Try this one request over HTTPS; only if that answers does the client switch (a
      // plain reset on a plain-HTTP registry must not flip the scheme).
      return this.overHttps(spec).catch(() => {
        throw error;
      });
    }
    if (guessedHttp && response.status === 400 && TLS_ONLY_ANSWER.test(response.body.toString('utf8'))) return this.overHttps(spec);
    this.schemeConfirmed = true;
    return response;
  }

  private async overHttps(spec: Omit<HttpRequest, 'url'> & { readonly path?: string }): Promise<HttpResponse> {
    const https = `https://${this.apiHost}`;
    const response = await this.auth.send({ ...spec, url: `${https}${spec.path ?? '/v2/'}` });
    this.baseUrl = Promise.resolve(https);
    this.schemeConfirmed = true;
    return response;
  }

  private fail(response: HttpResponse, what: string): never {
    const { code, message } = registryErrorFromBody(response.body);
    const detail = code ? `${code}${message ? `: ${message}` : ''}` : `HTTP ${response.status}`;
    const details = { status: response.status, registryCode: code };
    if (response.status === 404) throw new NotFoundError(`${what} not found (${detail})`, details);
    if (response.status === 401 || response.status === 403) throw new AuthError(`${what}: ${this.refusal(response.status)} (${detail})`, details);
    throw new RegistryError(`${what} failed: HTTP ${response.status}${code ? ` ${detail}` : ''}`, details);
  }

  /** Why a 401/403 happened, as far as the auth layer knows: no credentials, or which were refused. */
  private refusal(status: number): string {
    const { scheme, credential } = this.auth.state();
    // No challenge seen: the registry refused without asking for credentials.
    if (!scheme) return 'access denied';
    if (!credential) return `no credentials found for ${this.registry} and anonymous access was refused (docker login ${this.registry}, a credential helper, or --ecr)`;
    // Basic auth re-checks the password on every request; a bearer 401/403 after a token
    // was issued means the token lacks the scope (a rejected password fails at the realm).
    if (scheme === 'basic' && status === 401) return `${this.registry} rejected the stored credentials, ${describeCredential(credential)}: log in again (docker login ${this.registry})`;
    return `access denied to ${describeCredential(credential)}`;
  }
}

function parseMediaTypeField(body: Buffer): string | undefined {
  try {
    const value = (JSON.parse(body.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
