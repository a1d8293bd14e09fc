import { AuthError } from '../errors.js';
import type { HttpRequest, HttpResponse, Sender } from '../http.js';
import { mergeScopes, parseChallenge, scopeAtoms, type Challenge } from './challenge.js';
import type { CredentialResolver, RegistryCredential } from './credentials.js';

interface CachedToken {
  readonly atoms: ReadonlySet<string>;
  readonly token: string;
  readonly expiresAt: number;
}

const CLIENT_ID = 'puppeteer-multiarch';

/** What the auth layer knows after a request was refused, for a message that says why. */
export interface AuthState {
  /** Scheme of the registry's last challenge (`basic`, `bearer`); undefined if none seen. */
  readonly scheme?: string;
  /** The credentials found for the registry (undefined: none, or not looked up yet). */
  readonly credential?: RegistryCredential;
}

/** `user "AWS" (auths entry "host" in /root/.docker/config.json)`, never the secret. */
export function describeCredential(credential: RegistryCredential): string {
  const who = credential.username && credential.username !== '<token>' ? `user "${credential.username}"` : credential.identityToken ? 'an identity token' : credential.registryToken ? 'a registry token' : 'credentials';
  return credential.source ? `${who} from ${credential.source}` : who;
}

/**
 * The auth layer, outermost in the transport. It sends anonymously until the registry
 * challenges, then answers that challenge (basic, or the bearer token flow of the Docker
 * token spec) and resends once; later requests carry the cached authorization up front.
 * A token is requested for every scope the operation declared, so one token normally
 * serves a whole run (target pull+push, sources pull, mount sources).
 */
export class Authenticator {
  private challenge?: Challenge;
  private credential?: Promise<RegistryCredential | undefined>;
  private resolvedCredential?: { readonly value?: RegistryCredential };
  private tokens: CachedToken[] = [];
  /** Token fetches in flight, so parallel requests that hit the same 401 share one. */
  private pending: Array<{ readonly atoms: ReadonlySet<string>; readonly token: Promise<CachedToken> }> = [];
  private readonly declared = new Set<string>();

  constructor(
    private readonly registry: string,
    private readonly inner: Sender,
    private readonly resolver: CredentialResolver,
    private readonly now: () => number = Date.now,
  ) {}

  /** Scopes the caller will need; requested together the first time a token is fetched. */
  declareScopes(scopes: readonly string[]): void {
    for (const atom of scopeAtoms(scopes)) this.declared.add(atom);
  }

  readonly send: Sender = async (request) => {
    const atoms = scopeAtoms(request.scopes);
    const preemptive = await this.cachedAuthorization(atoms, request.signal);
    const first = await this.inner(withAuthorization(request, preemptive));
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers['www-authenticate']);
    if (!challenge) return first;
    this.challenge = challenge;
    // One re-authentication: a cached token may have expired or lack a scope.
    const authorization = await this.authorize(challenge, atoms, request.signal);
    return this.inner(withAuthorization(request, authorization));
  };

  /** The challenge scheme and the credentials this layer answered it with, if any. */
  state(): AuthState {
    return { scheme: this.challenge?.scheme, credential: this.resolvedCredential?.value };
  }

  private credentials(signal?: AbortSignal): Promise<RegistryCredential | undefined> {
    this.credential ??= this.resolver.resolve(this.registry, signal).then((value) => {
      this.resolvedCredential = { value };
      return value;
    });
    return this.credential;
  }

  private async cachedAuthorization(atoms: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return basicHeader(await this.credentials(signal));
    const now = this.now();
    const token = this.tokens.find((t) => t.expiresAt > now && atoms.every((a) => t.atoms.has(a)));
    return token ? `Bearer ${token.token}` : undefined;
  }

  private async authorize(challenge: Challenge, atoms: readonly string[], signal?: AbortSignal): Promise<string> {
    const credential = await this.credentials(signal);
    if (challenge.scheme === 'basic') {
      const header = basicHeader(credential);
      if (!header) throw new AuthError(`no credentials found for ${this.registry}, which requires authentication (docker login ${this.registry}, a credential helper, or --ecr)`);
      return header;
    }
    if (challenge.scheme !== 'bearer') throw new AuthError(`${this.registry} asks for unsupported authentication scheme "${challenge.scheme}"`);
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    const needed = [...atoms, ...scopeAtoms(challenge.params['scope'])];
    const shared = this.pending.find((p) => needed.every((a) => p.atoms.has(a)));
    if (shared) return `Bearer ${(await shared.token).token}`;
    const wanted = new Set([...this.declared, ...needed]);
    const entry = { atoms: wanted, token: this.fetchToken(challenge, [...wanted], credential, signal) };
    this.pending.push(entry);
    try {
      const token = await entry.token;
      this.tokens = [token, ...this.tokens.filter((t) => t.expiresAt > this.now())];
      return `Bearer ${token.token}`;
    } finally {
      this.pending = this.pending.filter((p) => p !== entry);
    }
  }

  private async fetchToken(challenge: Challenge, atoms: string[], credential: RegistryCredential | undefined, signal?: AbortSignal): Promise<CachedToken> {
    const realm = challenge.params['realm'];
    if (!realm) throw new AuthError(`${this.registry} sent a bearer challenge without a realm`);
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch (error) {
      throw new AuthError(`${this.registry} sent an invalid token realm "${realm}"`, { cause: error });
    }
    const service = challenge.params['service'];
    const scopes = mergeScopes(atoms);
    let response: HttpResponse | undefined;
    if (credential?.identityToken) {
      // OAuth2 refresh-token grant, as `docker login` identity tokens require.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: CLIENT_ID });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      response = await this.inner({ method: 'POST', url: realmUrl.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), signal });
      if (response.status === 404) response = undefined;
    }
    if (!response) {
      const url = new URL(realmUrl);
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      const basic = basicHeader(credential);
      if (basic) headers['authorization'] = basic;
      response = await this.inner({ method: 'GET', url: url.toString(), headers, signal });
    }
    if (response.status === 401 || response.status === 403) {
      const why = credential
        ? `it rejected the stored credentials, ${describeCredential(credential)}: log in again (docker login ${this.registry})`
        : `no credentials found for ${this.registry} (docker login ${this.registry}, a credential helper, or --ecr)`;
      throw new AuthError(`token request to ${realmUrl.origin}${realmUrl.pathname} for ${this.registry} was refused (${response.status}): ${why}`, { status: response.status });
    }
    if (response.status !== 200) throw new AuthError(`token request to ${realmUrl.origin}${realmUrl.pathname} failed with HTTP ${response.status}`, { status: response.status });
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch (error) {
      throw new AuthError(`token response from ${realmUrl.origin} is not JSON`, { cause: error });
    }
    const token = typeof body.token === 'string' && body.token ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw new AuthError(`token response from ${realmUrl.origin} has no token`);
    // The token spec's default lifetime is 60 s; renew 5 s early to avoid racing expiry.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { atoms: new Set(atoms), token, expiresAt: this.now() + Math.max(1, lifetime - 5) * 1000 };
  }
}

function basicHeader(credential: RegistryCredential | undefined): string | undefined {
  if (!credential?.username || credential.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

function withAuthorization(request: HttpRequest, authorization: string | undefined): HttpRequest {
  if (!authorization) return request;
  return { ...request, headers: { ...(request.headers ?? {}), authorization } };
}
